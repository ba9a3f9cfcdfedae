// Type check of the generated declarations (extension/pkg/tyme_tab.d.ts):
// every free function used as the pages use it, and `@ts-expect-error` on
// misuses, so a declaration that falls back to `any` fails this check.
// Compiled only, never run: `make test-types` (typescript pinned in package.json).
import init, {
  TymeClient, newId, formatDateTime, parseDateTime, roundDuration, makeNote, scrubUrl, defaultScrubParams,
  outboxNew, outboxEnqueue, outboxDue, outboxAck, outboxFail, outboxRetry, outboxResume,
  outboxRequeueInFlight, outboxNextWake, outboxSize, outboxPending, outboxClaim, outboxAckSent,
} from "../../extension/pkg/tyme_tab.js";
import type {
  EntityInput, NoteOptions, OpState, OutboxEntity, OutboxFailure, OutboxLastError, OutboxState, PendingOp,
  RoundingMethod, SummaryRow, TymeError, Dialect, DiscardEntity, Entity, Listed, TimedTaskRecord,
} from "../../extension/pkg/tyme_tab.js";

export async function check(): Promise<void> {
  await init();
  const now: number = Date.now();

  // Pure functions.
  const id: string = newId();
  const text: string = formatDateTime(parseDateTime("2024-01-02 03:04:05"));
  const method: RoundingMethod = "NEAREST";
  const rounded: number = roundDuration(3600, method, 15) + roundDuration(60, "UP", 0);
  // @ts-expect-error: not a rounding method
  roundDuration(60, "SIDEWAYS", 15);

  // Notes: options are optional, typed, and may be null.
  const params: string[] = defaultScrubParams();
  const opts: NoteOptions = { scrubParams: [...params, "ref"], maxLength: 200 };
  const notes: string[] = [
    makeNote("https://example.com/?token=1", "Title"),
    makeNote("https://example.com/", "Title", opts),
    makeNote("https://example.com/", "Title", { maxLength: 50 }),
    makeNote("https://example.com/", "Title", null),
    scrubUrl("https://example.com/?sid=1"),
    scrubUrl("https://example.com/?sid=1", params),
  ];
  // @ts-expect-error: maxLength is a number
  makeNote("https://example.com/", "Title", { maxLength: "50" });
  // @ts-expect-error: unknown option
  makeNote("https://example.com/", "Title", { maxLen: 50 });

  // Outbox: states in, states out.
  const entity: OutboxEntity = { type: "TimedTaskRecord", id, task_id: "t1", time_start: text, time_end: null, note: notes[0] };
  let state: OutboxState = outboxNew();
  state = outboxEnqueue(state, entity, now);
  state = outboxEnqueue(null, { type: "Project", id: newId(), name: "P" }, now);
  // @ts-expect-error: an outbox entity must carry its id
  outboxEnqueue(state, { type: "Project", name: "P" }, now);
  // @ts-expect-error: not an entity type
  outboxEnqueue(state, { type: "Invoice", id }, now);
  const due: PendingOp[] = outboxDue(state, now);
  const op: PendingOp | undefined = due[0];
  if (op) {
    const opState: OpState = op.state;
    const attempts: number = op.attempts + op.seq + op.enqueuedAt + op.nextAttemptAt;
    const since: number | null = op.sendingSince;
    const entityId: string = op.entity.id + op.entityId + op.entityType + op.opId;
    const last: OutboxLastError | null = op.lastError;
    const retryAfter: number | null = last ? last.retryAfter : null;
    void [opState, attempts, since, entityId, retryAfter];
    const failure: OutboxFailure = { code: "rate_limited", message: "slow down", retryAfter: 5 };
    state = outboxFail(state, op.opId, failure, now);
    state = outboxFail(state, op.opId, { code: "network" }, now, 0.5);
    // @ts-expect-error: a failure needs a code
    outboxFail(state, op.opId, { message: "x" }, now);
    state = outboxRetry(state, op.opId, now);
    state = outboxAck(state, op.opId);
  }
  state = outboxResume(state, now);
  // A drain's claim, and the confirmations it records.
  const claimed = outboxClaim(state, now, 50);
  state = claimed.state;
  const firstAfter: string[] = claimed.after[0] ?? [];
  const sentOps: { opId: string, entity: PendingOp["entity"] }[] = claimed.ops.map((o: PendingOp) => ({ opId: o.opId, entity: o.entity }));
  state = outboxAckSent(state, sentOps);
  // @ts-expect-error: a confirmation names its op
  outboxAckSent(state, [{ entity: sentOps[0].entity }]);
  void firstAfter;
  state = outboxRequeueInFlight(state);
  const hold: number | null = state.holdUntil;
  const wake = outboxNextWake(state);
  // @ts-expect-error: may be null
  const wakeAt: number = wake;
  if (wake != null) {
    const at: number = wake;
    void at;
  }
  const size: number = outboxSize(state) + state.nextSeq + state.version;
  const pending: PendingOp[] = outboxPending(undefined).concat(state.ops);

  // A TymeError from the client is a valid outbox failure.
  let learned: Dialect = { refresh: "refresh_token", times: false, userId: "1001" };
  const client = new TymeClient({ baseUrl: "http://127.0.0.1:1", clientId: "c", redirectUri: "https://x.invalid/cb",
    dialect: learned, onDialect: (d: Dialect) => { learned = d; } });
  const known: Dialect = client.getDialect();
  const discard: DiscardEntity = { type: "TimedTaskRecord", id: "r", deleted: true };
  state = outboxEnqueue(state, discard, now);
  const written: Entity | OutboxEntity = await client.sendWrite(discard);
  await client.discardTimeEntry("r");
  const entries: Listed<TimedTaskRecord> | null = await client.times(0, now);
  const skipped: number = entries ? entries.skipped : 0;
  void [known, written, skipped];
  const input: EntityInput = { type: "TimedTask", name: "T" };
  try {
    await client.updateEntity(input);
  } catch (e) {
    const err = e as TymeError;
    state = outboxFail(state, "op-1", err, now);
  }
  const rows: SummaryRow[] = await client.summary(0, now);
  const listed: Listed<Entity> = await client.searchEntity("TimedTask", "", null);
  void listed.skipped;
  client.free();
  void [rounded, hold, wakeAt, size, pending, rows];
}
