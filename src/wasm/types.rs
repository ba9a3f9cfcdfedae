//! Hand-written TypeScript types for the values that cross the boundary.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
export type EntityType = "ProjectCategory" | "Project" | "TimedTask" | "TimedSubTask" | "TimedTaskRecord";
export type TriggerType = "category" | "project" | "task" | "subtask" | "time" | "stopped_time";
export type RoundingMethod = "DOWN" | "NEAREST" | "UP";
export type ErrorCode = "unauthorized" | "reauth_required" | "forbidden" | "not_found" | "invalid_state"
  | "missing_code" | "access_denied" | "network" | "server" | "rate_limited" | "bad_response" | "invalid_input";
/** Every rejection/throw is an Error with name "TymeError". */
export interface TymeError extends Error { name: "TymeError"; code: ErrorCode; status?: number; retryAfter?: number; }
/** expiresAt / issuedAt: ms since the epoch; issuedAt (optional) makes the refresh margin min(60 s, lifetime / 2). */
export interface TokenSet { accessToken: string; refreshToken: string; tokenType: string; expiresAt: number; issuedAt?: number; }
export interface TymeConfig {
  baseUrl: string; clientId: string; clientSecret?: string; redirectUri: string;
  onTokens?: (tokens: TokenSet | null) => Promise<void> | void;
  /** Per request, answer body included (default 30000 ms); on expiry the call rejects with code "network". */
  timeoutMs?: number;
  /** What was learned of this server before (from onDialect); null or absent: nothing yet. */
  dialect?: Dialect | null;
  /** Called with the whole Dialect whenever the client learns something new of the server. */
  onDialect?: (dialect: Dialect) => void;
}
/** What a server speaks where the seed and the live service differ; an absent field is not known yet. */
export interface Dialect { refresh?: "access_token" | "refresh_token"; webhooks?: "live" | "seed";
  times?: boolean; members?: boolean; delete?: boolean; userId?: string; }
/** A list answer: the items read, and how many items could not be read (skipped, not failing the list). */
export type Listed<T> = T[] & { skipped: number };
/** An outbox entity that discards a time entry on the server (DELETE /data/entity). */
export interface DiscardEntity { type: "TimedTaskRecord"; id: string; deleted: true; }
export interface SignIn { url: string; state: string; verifier: string; }
export interface ProjectCategory { type: "ProjectCategory"; id: string; name: string; }
export interface Project { type: "Project"; id: string; name: string; category_id: string | null;
  rounding_method: RoundingMethod; rounding_minutes: number; hourly_rate: number;
  planned_duration_hours: number; planned_budget: number; }
export interface TimedTask { type: "TimedTask"; id: string; name: string; project_id: string; billable: boolean; planned_duration: number; }
export interface TimedSubTask { type: "TimedSubTask"; id: string; name: string; task_id: string; planned_duration: number; }
/** time_start / time_end are UTC "YYYY-MM-DD HH:MM:SS"; time_end is null while running. */
export interface TimedTaskRecord { type: "TimedTaskRecord"; id: string; task_id: string; subtask_id: string;
  time_start: string; time_end: string | null; note: string; }
export type Entity = ProjectCategory | Project | TimedTask | TimedSubTask | TimedTaskRecord;
/** An entity to send: `id` may be omitted (one is generated); optional fields default. */
export type EntityInput = { type: EntityType; id?: string; [field: string]: unknown };
export interface SummaryRow { task_id: string; task_name: string; subtask_id: string | null; subtask_name: string | null;
  project_id: string; project_name: string; category_id: string | null; category_name: string | null;
  billable: boolean; rounding_method: RoundingMethod; rounding_minutes: number; hourly_rate: number;
  /** seconds, unrounded */ duration: number; entries: number;
  /** seconds, rounded with the project's rounding */ rounded_duration: number; }
/** `makeNote` options; missing fields (or no options at all) take the defaults (1000).
 *  `scrubParams` is added to the built-in list (`defaultScrubParams()`), never put in its place;
 *  `dropUrlTitle`: the title is that of the page a link is on ("Track this link"), dropped when it is a URL. */
export interface NoteOptions { scrubParams?: string[]; maxLength?: number; dropUrlTitle?: boolean; }
/** An entity queued in the outbox: like EntityInput, but it must carry its (client-generated) id. */
export type OutboxEntity = { type: EntityType; id: string; [field: string]: unknown } | DiscardEntity;
export type OpState = "queued" | "sending" | "stuck" | "waitingForSignIn";
/** How a failed send is reported to `outboxFail` (a TymeError fits). retryAfter: seconds. */
export interface OutboxFailure { code: ErrorCode | (string & {}); message?: string; retryAfter?: number | null; }
/** The last failure of an op; `at`: ms since the epoch. */
export interface OutboxLastError { code: string; message: string; retryAfter: number | null; at: number; }
/** One pending write; times in ms since the epoch. */
export interface PendingOp { opId: string; seq: number; entityType: string; entityId: string;
  entity: { type: string; id: string; [field: string]: unknown };
  enqueuedAt: number; attempts: number; nextAttemptAt: number; state: OpState;
  sendingSince: number | null; lastError: OutboxLastError | null; }
/** The whole outbox: a plain object the caller persists as is (null/undefined read as an empty one). */
export interface OutboxState { version: number; nextSeq: number; holdUntil: number | null; ops: PendingOp[]; }
"#;
