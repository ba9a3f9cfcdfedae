// Fault soak: the real extension (headless Chromium) against a tyme-sandbox
// with fault injection. N user operations (start, stop, switch task, track a
// page or a link from the context menu, edit a past entry, create a project
// or task, open the popup) go through the extension's own message protocol
// and context-menu handler while requests fail (500, 503 and 429 with
// Retry-After, dropped connections, answers lost after the write was
// applied, failing token refreshes), latency is random, access tokens are
// expired, the service worker is stopped between operations and the whole
// browser is closed and launched again on the same profile (between
// operations or with a write in flight: tests/soak/restart.mjs). Then faults
// are cleared, the worker is stopped once more and the outbox is left to
// drain by itself (its alarms and the worker's wake-up; the soak sends no
// message meanwhile), and the sandbox state is judged against what the soak
// asked for.
//
//   SOAK_N=1000 node tests/soak/soak.mjs        (make soak)
//   SOAK_N=40 node tests/soak/soak.mjs          (make test)
//   TYME_DIALECT=live ...                        (the sandbox's dialect; make soak SOAK_DIALECT=live)
//
// Env: SOAK_N (operations, default 40), SOAK_SEED (seed, default random,
// printed: it replays the soak's choices and, seeding the sandbox's fault
// randomness at each phase, which requests fail), SOAK_KILL_EVERY (stop the
// worker every k ops, default 5), SOAK_EXPIRE_EVERY (expire tokens every m
// ops, default 9, and at the start of each phase that faults the refresh),
// SOAK_RESTART_EVERY (restart the browser once at a random op of every r
// ops, default 20, 0 = never), SOAK_DRAIN_S (drain time limit, default 600), SOAK_VERBOSE=1 (one line per op).
//
// Prints exactly one result line
//   soak: ops=N faults=F lost=L duplicated=D out_of_order=O signouts=S kills=K accepted=A
// plus lines of detail, and exits 1 on failure (see `verdict`). What the
// soak expects is computed from its own inputs only, never from the
// extension's replies (which give only the ids the extension made):
// - a time entry: the task or sub-task the soak picked; the note the scrub
//   rules must make of the page it was on (pages are built as a clean URL
//   plus credentials and tracking parts, so the scrubbed note is the clean
//   part and the title, known by construction: `page`); its start and end
//   within the soak's clock readings around the operation (to the second);
//   after an edit, exactly the task, times and page of the edit;
// - a project or task: the name typed (trimmed) and the parent picked.
// lost: an entity the soak made is missing on the server, or differs from
//   every state the soak gave it (a wrong task, an unscrubbed or wrong note,
//   a changed name, times outside the operation), or carries another
//   member's user_id; plus every user action the extension refused other
//   than by signing out (EXPECTED_REFUSALS).
// duplicated: an entity on the server the soak did not make (a write sent
//   twice under two ids), or one id stored twice.
// out_of_order: an entity whose server state is an earlier state the soak
//   gave it (a later write overtaken by an earlier one, or never applied: a
//   stop that was dropped leaves the entry running), or a time entry whose
//   end is before its start.
import { startSandbox } from '../support/sandbox.mjs';
import { refreshPath, traits } from '../support/dialect.mjs';
import { prng } from '../support/random.mjs';
import { waitFor } from '../support/wait.mjs';
import { launchExtension, configure, REDIRECT_URI } from '../e2e/support.mjs';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { restartPlan, beforeRestart, restartBrowser, workerOrigin as originOf, MID_WRITE } from './restart.mjs';

const CLIENT = 'tyme-tab-soak';

// Fault phases. Latency is on in all; each fails its first matching request
// (fail_next 1) and then at random, so every phase injects faults of its
// kind. The refresh phases are keyed on the sandbox dialect's refresh path
// (on live, /v1/access_token: the code exchange of a sign-in fails there
// too) and expire the tokens as they begin, so a refresh happens in them.
const LAT = { latency_ms: 5, latency_jitter_ms: 80 };
export const phases = (sb) => [
  { name: 'data 500', faults: { ...LAT, fail_next: 1, fail_percent: 60, status: 500, path_prefix: '/data' } },
  { name: 'data 503 Retry-After', faults: { ...LAT, fail_next: 1, fail_percent: 60, status: 503, retry_after: 1, path_prefix: '/data' } },
  { name: 'data 429 Retry-After', faults: { ...LAT, fail_next: 1, fail_percent: 60, status: 429, retry_after: 1, path_prefix: '/data' } },
  { name: 'data dropped', faults: { ...LAT, fail_next: 1, fail_percent: 55, drop: true, path_prefix: '/data' } },
  { name: 'writes applied, answer 500', faults: { ...LAT, fail_next: 1, fail_percent: 60, status: 500, apply: true, path_prefix: '/data/update_entity' } },
  { name: 'writes applied, connection dropped', faults: { ...LAT, fail_next: 1, fail_percent: 55, drop: true, apply: true, path_prefix: '/data/update_entity' } },
  { name: 'everything 503 (refresh too)', expire: true, faults: { ...LAT, fail_next: 1, fail_percent: 55, status: 503, retry_after: 1 } },
  { name: 'refresh 500', expire: true, faults: { ...LAT, fail_next: 1, fail_percent: 70, status: 500, path_prefix: refreshPath(sb) } },
  { name: 'refresh dropped', expire: true, faults: { ...LAT, fail_next: 1, fail_percent: 60, drop: true, path_prefix: refreshPath(sb) } },
];
export const PHASE_COUNT = 9;
/** Operations per phase: 6, fewer when N is too small for every phase to run (40 → 4). */
export const phaseOps = (n) => Math.max(1, Math.min(6, Math.floor(n / PHASE_COUNT)));
/** The sandbox's fault seed for the k-th phase of a run (k counts from 0). */
export const phaseSeed = (seed, k) => (seed >>> 0) * 1000 + k;

// Refusals of a user action the extension makes by design, which the soak
// does not count as lost. Only one: 'signed_out' — a refresh rejected as
// invalid_grant (a rotation whose answer was lost with a stopped worker)
// signs the user out, and start/create/edit then ask for a sign-in instead
// of queueing (the soak signs in again, as a user would). Such sign-outs
// are counted and capped (signOutCap). Every other refusal (server,
// network, rate_limited, internal, no answer, ...) is a write the extension
// should have queued, so it counts as lost.
export const EXPECTED_REFUSALS = Object.freeze(['signed_out']);

/**
 * The cap on sign-outs. A sign-out needs a refresh token the server rotated
 * while its answer never reached the extension; no fault phase applies a
 * refresh and then fails its answer, so only a worker stopped or a browser
 * closed with a refresh in flight can do it, and a refresh happens only
 * after an expiry of the tokens. So there can be at most one per expiry, and
 * since a stop or restart lands inside a refresh's few milliseconds rarely
 * (none in 4 × 165 expiries of four runs at N=1000 without restarts; 1 in 48
 * and 2 in 32 expiries in runs of 300 and 200 ops with 15 and 50 restarts),
 * the soak allows one per ten expiries (at least one): more means sign-outs
 * have another cause.
 */
export const signOutCap = (expiries) => Math.max(1, Math.ceil(expiries / 10));
/** At least this share of the operations must be accepted by the extension. */
export const MIN_ACCEPTED = 0.9;

/** refusals: [{op, code}] → { lost, byCode: {code: n} }. Pure: exported for the test. */
export function classifyRefusals(refusals) {
  const byCode = {};
  let lost = 0;
  for (const r of refusals) {
    const code = (r && r.code) || 'no_answer';
    byCode[code] = (byCode[code] || 0) + 1;
    if (!EXPECTED_REFUSALS.includes(code)) lost++;
  }
  return { lost, byCode };
}

// Pages the soak tracks: a clean URL (kept by the scrub rules of
// src/note.rs, whose kept parts stay in order and as written) with
// credentials, tracking parameters and a fragment around it, which the
// rules must remove. So the note the extension must send is known by
// construction: `<title> — <clean URL>`, or the clean URL alone without a
// title (the title as the rules clean it: whitespace runs made one space).
const GH = 'ghp_' + 'A1b2C3d4E5'.repeat(4); // a GitHub token by its form, under an innocent name
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl';
export function page(i, kind) {
  const k = i % 7;
  const pages = [
    { url: `https://alice:pw${i}@example.com/issue/${i}?utm_source=mail&page=${k}&access_token=tok${i}#top`,
      clean: `https://example.com/issue/${i}?page=${k}`, title: `Issue ${i}`, cleanTitle: `Issue ${i}` },
    { url: `https://docs.example.org/guide/${i}?X-Amz-Signature=abc${i}&sessionid=s${i}`,
      clean: `https://docs.example.org/guide/${i}`, title: `Guide <b>${i}</b>`, cleanTitle: `Guide <b>${i}</b>` },
    { url: `https://intranet.example.net/wiki/${i};jsessionid=J${i}?fbclid=f${i}&lang=en&code=c${i}&state=s${i}`,
      clean: `https://intranet.example.net/wiki/${i}?lang=en`, title: `Wiki  page\t${i} `, cleanTitle: `Wiki page ${i}` },
    { url: `https://git.example.com/repo/${i}/pulls?ref=${GH}&q=is%3Aopen&id_token=${JWT}`,
      clean: `https://git.example.com/repo/${i}/pulls?q=is%3Aopen`, title: '', cleanTitle: '' },
    { url: `https://shop.example.com/cart?item=${i}&gclid=g${i}&client_secret=cs${i}&sig=${i}abc`,
      clean: `https://shop.example.com/cart?item=${i}`, title: `Cart ${i} & more`, cleanTitle: `Cart ${i} & more` },
  ];
  const p = pages[kind % pages.length];
  return { ...p, note: noteOf(p.cleanTitle, p.clean) };
}
/** The note format of src/note.rs: `<title> — <url>`, or the URL alone. */
export const noteOf = (title, url) => (title ? `${title} — ${url}` : url);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isFault = (l) => l.status >= 500 || l.status === 429 || l.status === 0;
const secondOf = (ms) => Math.floor(ms / 1000) * 1000;

/** `Y-m-d H:i:s` UTC → ms (null when absent or unreadable). */
export function parseWire(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(String(s || ''));
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : null;
}

// What the soak wants of each entity: a list of states, in the order it
// gave them (the last is the one the server must show). A time entry's
// state: { task_id, subtask_id, note, start: [lo, hi], end: null | [lo, hi] }
// (ms; a window the soak's clock put around the operation, or an exact
// time of an edit as [t, t]); a project: { name, category_id }; a task:
// { name, project_id }.
const FIELDS = { Project: ['name', 'category_id'], TimedTask: ['name', 'project_id'], TimedTaskRecord: ['task_id', 'subtask_id', 'note'] };
const LISTS = { ProjectCategory: 'categories', Project: 'projects', TimedTask: 'tasks', TimedSubTask: 'subtasks', TimedTaskRecord: 'time_entries' };
const within = (t, w) => t != null && t >= secondOf(w[0]) && t <= w[1];

/** Why `got` is not `want` (field names), [] when it is. */
function differences(type, got, want) {
  const wrong = FIELDS[type].filter((f) => (got[f] ?? null) !== (want[f] ?? null));
  if (type === 'TimedTaskRecord') {
    if (!within(parseWire(got.time_start), want.start)) wrong.push('time_start');
    const end = got.time_end ? parseWire(got.time_end) : null;
    if (want.end ? !within(end, want.end) : end != null) wrong.push('time_end');
  }
  return wrong;
}
const show = (v) => (Array.isArray(v) ? `${new Date(v[0]).toISOString()}..${new Date(v[1]).toISOString()}` : JSON.stringify(v));

/**
 * Judge the sandbox state against the intended entities (Map "Type:id" →
 * {type, id, states}). Pure: exported for the test. `userId` (when given):
 * the user_id every time entry must carry (the member's id where the
 * server has members, else null).
 */
export function judge(state, intended, demoIds = new Set(), { userId } = {}) {
  const details = [];
  let lost = 0; let duplicated = 0; let outOfOrder = 0;
  for (const [type, key] of Object.entries(LISTS)) {
    const byId = new Map();
    for (const e of state[key] || []) {
      if (demoIds.has(`${type}:${e.id}`)) continue;
      byId.set(e.id, (byId.get(e.id) || 0) + 1);
      if (!intended.has(`${type}:${e.id}`)) { duplicated++; details.push(`unexpected ${type} ${e.id}${e.note ? ` (note ${JSON.stringify(e.note)})` : ''}`); }
    }
    for (const [id, n] of byId) if (n > 1) { duplicated += n - 1; details.push(`${n} records of ${type} ${id}`); }
  }
  for (const [key, want] of intended) {
    const got = (state[LISTS[want.type]] || []).find((e) => e.id === want.id);
    if (!got) { lost++; details.push(`missing ${key}`); continue; }
    const last = want.states[want.states.length - 1];
    const wrong = differences(want.type, got, last);
    if (want.type === 'TimedTaskRecord') {
      const s = parseWire(got.time_start); const e = got.time_end ? parseWire(got.time_end) : null;
      if (s != null && e != null && e < s) { outOfOrder++; details.push(`${key}: time_end ${got.time_end} before time_start ${got.time_start}`); continue; }
    }
    if (!wrong.length) {
      if (want.type === 'TimedTaskRecord' && userId !== undefined && (got.user_id ?? null) !== userId) {
        lost++; details.push(`${key}: wrong user_id=${JSON.stringify(got.user_id)} (meant ${JSON.stringify(userId)})`);
      }
      continue;
    }
    const earlier = want.states.slice(0, -1).findIndex((st) => !differences(want.type, got, st).length);
    if (earlier >= 0) {
      outOfOrder++;
      details.push(`${key}: shows state ${earlier + 1} of ${want.states.length} (${wrong.join(', ')} of the last not applied${wrong.includes('time_end') && !got.time_end ? ': still running on the server, stopped here' : ''})`);
      continue;
    }
    lost++;
    const wire = { time_start: got.time_start, time_end: got.time_end };
    details.push(`${key}: wrong ${wrong.map((f) => `${f}=${JSON.stringify(f in wire ? wire[f] : got[f])} (meant ${show(f === 'time_start' ? last.start : f === 'time_end' ? last.end : last[f])})`).join(', ')}`);
  }
  return { lost, duplicated, outOfOrder, details };
}

/** The run's verdict: the reasons it fails ([] = passed). Pure: exported for the test. */
export function verdict(r) {
  const why = [];
  if (r.lost || r.duplicated || r.out_of_order) why.push(`lost=${r.lost} duplicated=${r.duplicated} out_of_order=${r.out_of_order}`);
  if (r.outboxLeft !== 0) why.push(`the outbox did not drain (${r.outboxLeft} left)`);
  if (r.signouts > r.signOutCap) why.push(`${r.signouts} sign-outs, more than the cap of ${r.signOutCap} (${r.expiries} token expiries)`);
  if (r.accepted < MIN_ACCEPTED * r.ops) why.push(`only ${r.accepted} of ${r.ops} operations accepted (needs ${Math.ceil(MIN_ACCEPTED * r.ops)})`);
  if (r.faulted) {
    if (r.rate < 0.3) why.push(`only ${(r.rate * 100).toFixed(1)}% of requests failed (needs >= 30%)`);
    const quiet = r.phases.filter((p) => !p.faults);
    if (r.phases.length < PHASE_COUNT || quiet.length) why.push(`phases without a fault or not run: ${quiet.map((p) => p.name).join(', ') || `${r.phases.length} of ${PHASE_COUNT} ran`}`);
    if (r.killsAttempted && !r.kills) why.push('no worker stop was followed by a new worker instance');
    if (r.restarts < r.restartsAttempted) why.push(`${r.restartsAttempted - r.restarts} of ${r.restartsAttempted} browser restarts not proven (no new browser process or worker)`);
    if (r.restartWritesOnce < r.restartWrites) why.push(`${r.restartWrites - r.restartWritesOnce} of ${r.restartWrites} writes in flight at a restart not on the server exactly once`);
    if (r.startupRetries < r.restartsAttempted) why.push(`the onStartup retry not seen after ${r.restartsAttempted - r.startupRetries} of ${r.restartsAttempted} browser restarts`);
  }
  if (r.anomalies.length) why.push(`${r.anomalies.length} anomalies`);
  return why;
}

/**
 * Run the soak. `script` (optional): the operations in order ('start',
 * 'stop', 'menu page', 'menu link', 'edit', 'create project', 'create
 * task', 'popup'), instead of random ones; `faults: false` runs without
 * fault phases, worker stops or expiries (the test's runs of a broken
 * extension); `extDir`: the extension to load.
 */
export async function runSoak({
  n = 40, seed = (Date.now() ^ (process.pid << 8)) >>> 0, killEvery = 5, expireEvery = 9, restartEvery = 20,
  drainLimitS = 600, verbose = false, out = console.log, script = null, faults = true, extDir,
} = {}) {
  if (script) n = script.length;
  const t0 = Date.now();
  const rand = prng(seed);
  const pick = (arr) => arr[Math.floor(rand() * arr.length)];
  const sandbox = await startSandbox({ args: ['--demo'], clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  const PHASES = phases(sandbox);
  const perPhase = phaseOps(n);
  let ext = null;
  // The browser's profile, kept across restarts and removed at the end.
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tyme-tab-soak-'));
  const restarts = faults ? restartPlan(seed, n, restartEvery) : new Map();
  const stats = {
    restartsAttempted: 0, restarts: 0, restartsInFlight: 0, startupRetries: 0, restartWrites: new Set(),
    killsAttempted: 0, kills: 0, expiries: 0, signIns: 0, signouts: 0, drainSignIns: 0, refused: 0, refusals: [], accepted: 0,
    requests: 0, faults: 0, popupOpens: 0, edits: 0, anomalies: [], ops: {},
  };
  const phaseLog = []; // [{name, seed, ops, requests, faults}]
  const intended = new Map(); // "Type:id" -> {type, id, states}
  const want = (type, id, st) => {
    const key = `${type}:${id}`;
    const cur = intended.get(key);
    if (cur) cur.states.push(st); else intended.set(key, { type, id, states: [st] });
  };

  // The requests since the last harvest, counted for the run and for phase `ph`.
  async function harvestLog(ph = phaseLog[phaseLog.length - 1]) {
    const log = await sandbox.log();
    await sandbox.clearLog();
    for (const l of log) {
      if (l.method === 'OPTIONS') continue;
      stats.requests++;
      if (ph) ph.requests++;
      if (isFault(l)) { stats.faults++; if (ph) ph.faults++; }
    }
  }

  // A phase ends only once it injected a fault of its kind: its first
  // matching request fails (fail_next 1), and every operation writes, so this
  // waits only while the outbox holds its writes back (backoff, Retry-After)
  // for the extension's own retry. The log holds this phase's requests only.
  async function settlePhase(phase) {
    if (!phaseLog.length) return;
    // Writes may all wait behind a parent whose create is in backoff, so the
    // phase would send nothing: as a user would, the popup is opened (a
    // refresh: the outbox flushed and the totals asked for) every 2 s until
    // the phase has injected its fault.
    let nudged = Date.now();
    await waitFor(async () => {
      if ((await sandbox.log()).some((l) => l.method !== 'OPTIONS' && isFault(l))) return true;
      if (Date.now() - nudged >= 2000) {
        nudged = Date.now();
        // A refresh phase's fault needs a refresh: the tokens are expired
        // again, so the popup's request must refresh first.
        if (phase && phase.expire) { await sandbox.expireTokens(); stats.expiries++; }
        stats.popupOpens++;
        await ext.send('refresh').catch(() => null);
      }
      return false;
    }, { timeout: 60000, interval: 200, what: 'a fault in this phase' }).catch(() => {});
  }

  try {
    const start = await sandbox.state();
    const demoIds = new Set(Object.entries(LISTS).flatMap(([type, key]) => (start[key] || []).map((e) => `${type}:${e.id}`)));
    const projects = start.projects.map((p) => ({ id: p.id, name: p.name }));
    const projectName = (id) => (projects.find((p) => p.id === id) || {}).name || '';
    // Tasks and sub-tasks to track time on, as the popup's picker hands them to the worker.
    const tasks = [
      ...start.tasks.map((t) => ({ taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: t.project_id, projectName: projectName(t.project_id) })),
      ...start.subtasks.map((s) => {
        const t = start.tasks.find((x) => x.id === s.task_id) || {};
        return { taskId: s.task_id, subtaskId: s.id, taskName: t.name || '', subtaskName: s.name, projectId: t.project_id || '', projectName: projectName(t.project_id) };
      }),
    ];
    if (!tasks.length) throw new Error('the sandbox --demo set has no tasks');

    const launch = () => launchExtension({ profileDir, ...(extDir ? { extDir } : {}) });
    ext = await launch();
    await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });

    // Sign in as a user would: again whenever the extension says so (a spent
    // refresh token, e.g. a rotation whose answer died with the worker).
    async function signInAgain() {
      for (let i = 0; i < 20; i++) {
        const r = await ext.send('signIn', { interactive: true });
        if (r.ok) { stats.signIns++; return; }
        await sleep(200);
      }
      throw new Error('could not sign in after 20 tries');
    }
    // A sign-out counts once, when the soak signs in again (an action refused
    // as signed_out meanwhile is the same sign-out).
    async function ensureSignedIn() {
      const st = await ext.send('getState');
      if (st.ok && st.data.signedIn) return;
      if (stats.signIns > 0) stats.signouts++;
      await signInAgain();
    }
    await ensureSignedIn();
    // The worker instance: its time origin is new with every start of the worker.
    const workerOrigin = () => originOf(ext);

    let running = null; // { id, state } of the time entry the soak believes is running
    let lastTask = null; // the task of the last start the extension accepted (its context-menu task)
    const stopped = []; // ids of entries the soak stopped (edit candidates)
    const refuse = (i, what, code) => {
      stats.refused++;
      stats.refusals.push({ op: i, what, code: code || 'no_answer' });
    };
    // The server keeps a sub-task's entry with its task's id as well (tests/sandbox/README.md).
    const entryState = (task, note, window) => ({
      task_id: task.taskId, subtask_id: task.subtaskId, note, start: window, end: null,
    });
    // An accepted start, switch or context-menu start: the previous entry
    // ends and the new one starts within the operation's clock readings.
    const began = (id, task, note, window) => {
      if (running) {
        want('TimedTaskRecord', running.id, { ...running.state, end: window });
        stopped.push(running.id);
      }
      running = { id, state: entryState(task, note, window) };
      want('TimedTaskRecord', id, running.state);
      lastTask = task;
    };
    const answerOf = (res, i, what) => {
      if (res && res.ok) { stats.accepted++; return res.data; }
      refuse(i, what, res && res.error && res.error.code);
      if (verbose) out(`  ${what} refused: ${JSON.stringify(res && res.error)}`);
      return undefined;
    };
    // The context-menu handler, called in the worker; a refusal (thrown) comes back with its code.
    const menuClick = async (info, tab) => {
      const w = await ext.worker();
      return w.evaluate(async ([inf, t]) => {
        try { return await globalThis.tymeTab.handleMenuClick(inf, t); } catch (e) {
          return { started: false, error: { code: (e && e.code) || 'internal', message: String(e && e.message) } };
        }
      }, [info, tab]);
    };

    let phaseIndex = -1;
    let phase = null;
    for (let i = 0; i < n; i++) {
      if (faults && i % perPhase === 0) {
        if (phaseLog.length) { await settlePhase(phase); await harvestLog(); }
        phaseIndex++;
        const ph = PHASES[phaseIndex % PHASES.length];
        phase = ph;
        const s = phaseSeed(seed, phaseIndex);
        await sandbox.faults({ ...ph.faults, seed: s });
        phaseLog.push({ name: ph.name, seed: s, ops: 0, requests: 0, faults: 0 });
        if (ph.expire) { await sandbox.expireTokens(); stats.expiries++; }
        if (verbose) out(`phase: ${ph.name} (seed ${s})`);
      }
      if (faults && phaseLog.length) phaseLog[phaseLog.length - 1].ops++;
      let before = null;
      if (faults && i > 0 && i % killEvery === 0) {
        before = await workerOrigin();
        await ext.stopWorker();
        stats.killsAttempted++;
      }
      if (faults && i > 0 && i % expireEvery === 0) { await sandbox.expireTokens(); stats.expiries++; }
      await ensureSignedIn();
      const restartKind = restarts.get(i);
      const preRestart = restartKind ? await beforeRestart(ext) : null;

      let op;
      if (script) op = script[i];
      else if (i % 10 === 7 && stopped.length) op = 'edit'; // at least one edit per ten operations
      else {
        const r = rand();
        op = r < 0.08 ? 'create project'
          : r < 0.18 ? 'create task'
            : r < 0.38 && running ? 'stop'
              : r < 0.46 && stopped.length ? 'edit'
                : r < 0.56 && lastTask ? 'menu page'
                  : r < 0.62 && lastTask ? 'menu link'
                    : 'start';
      }
      const t1 = Date.now();
      const window = () => [t1, Date.now()];
      if (op === 'create project') {
        const name = `  Soak project ${i} <i>x</i> `;
        const p = answerOf(await ext.send('create', { type: 'Project', name }), i, op);
        if (p) { want('Project', p.id, { name: name.trim(), category_id: null }); projects.push({ id: p.id, name: name.trim() }); }
      } else if (op === 'create task') {
        const p = pick(projects);
        const name = `Soak task ${i} “${p.name.slice(0, 12)}”`;
        const t = answerOf(await ext.send('create', { type: 'TimedTask', name, parentId: p.id }), i, op);
        if (t) {
          want('TimedTask', t.id, { name, project_id: p.id });
          tasks.push({ taskId: t.id, subtaskId: '', taskName: name, subtaskName: '', projectId: p.id, projectName: p.name });
        }
      } else if (op === 'stop') {
        const s = answerOf(await ext.send('stop'), i, op);
        if (s !== undefined) {
          if (!running) {
            if (s) stats.anomalies.push(`op ${i}: stop answered ${s.entity.id} while the soak started none`);
          } else {
            if (!s || s.entity.id !== running.id) stats.anomalies.push(`op ${i}: stop answered ${s ? s.entity.id : 'null'} while ${running.id} was running`);
            want('TimedTaskRecord', running.id, { ...running.state, end: window() });
            stopped.push(running.id);
            running = null;
          }
        }
      } else if (op === 'edit') {
        // A past entry moved to another task, times and page, as the user set them.
        const id = pick(stopped);
        const task = pick(tasks);
        const startMs = Date.UTC(2026, 0, 5, 8) + i * 3_600_000;
        const endMs = startMs + (5 + (i % 50)) * 60_000;
        const pg = rand() < 0.8 ? page(i, Math.floor(rand() * 5)) : null;
        const e = answerOf(await ext.send('editEntry', { id, task, startMs, endMs, page: pg && { url: pg.url, title: pg.title } }), i, op);
        if (e) {
          want('TimedTaskRecord', id, { ...entryState(task, pg ? pg.note : '', [startMs, startMs]), end: [endMs, endMs] });
          stats.edits++;
        }
      } else if (op === 'menu page' || op === 'menu link') {
        const pg = page(i, Math.floor(rand() * 5));
        const link = op === 'menu link';
        // A link: the note names the link's target and the title of the page it is on.
        const on = { url: `https://news.example.com/front?session_token=st${i}`, title: `Front page ${i}` };
        const info = link ? { menuItemId: 'track-link', linkUrl: pg.url, pageUrl: on.url } : { menuItemId: 'track-page', pageUrl: pg.url };
        const tab = link ? { id: 100 + i, title: on.title, url: on.url, incognito: false } : { id: 100 + i, title: pg.title, url: pg.url, incognito: false };
        const note = link ? noteOf(on.title, pg.clean) : pg.note;
        const task = lastTask;
        const res = await menuClick(info, tab);
        if (res && res.started) { stats.accepted++; began(res.timer.entity.id, task, note, window()); }
        else if (res && res.error) refuse(i, op, res.error.code);
        else { refuse(i, op, 'not_started'); stats.anomalies.push(`op ${i}: context menu did not start (${JSON.stringify(res)})`); }
      } else if (op === 'popup') {
        await ext.send('refresh');
        stats.popupOpens++;
        stats.accepted++;
      } else {
        op = running ? 'switch task' : 'start';
        const task = pick(tasks);
        const pg = rand() < 0.7 ? page(i, Math.floor(rand() * 5)) : null;
        const t = answerOf(await ext.send('start', { task, page: pg && { url: pg.url, title: pg.title } }), i, op);
        if (t) began(t.entity.id, task, pg ? pg.note : '', window());
      }
      stats.ops[op] = (stats.ops[op] || 0) + 1;
      if (!script && rand() < 0.15) { // the user opens the popup: flush, reconcile, totals
        await ext.send('refresh');
        stats.popupOpens++;
      } else if (restartKind !== MID_WRITE) {
        await ext.send('flush');
      }
      // A stop counts only when the next operation met another worker.
      if (before != null && (await workerOrigin()) !== before) stats.kills++;
      if (restartKind) {
        stats.restartsAttempted++;
        const rs = await restartBrowser({ ext, before: preRestart, sandbox, midWrite: restartKind === MID_WRITE, relaunch: launch });
        ext = rs.ext;
        if (rs.real) stats.restarts++; else stats.anomalies.push(`op ${i}: browser restart not proven (pids ${rs.pids.join(' -> ')})`);
        if (rs.startupRetry) stats.startupRetries++;
        if (rs.inFlight) stats.restartsInFlight++;
        for (const k of rs.writes) stats.restartWrites.add(k);
        if (verbose) out(`  browser restarted (${restartKind}, pid ${rs.pids.join(' -> ')}, write in flight: ${rs.inFlight}${rs.writes.length ? ` ${rs.writes.join(' ')}` : ''})`);
      }
      if (verbose) out(`op ${i}: ${op} (${Date.now() - t1} ms)`);
    }
    if (phaseLog.length) { await settlePhase(phase); await harvestLog(); }

    // Drain: no more faults. Signed in, the worker is stopped and the soak
    // sends nothing: only the outbox's alarms and the worker's wake-up may
    // send what is left. The soak reads storage from an extension page,
    // which does not wake the worker.
    await sandbox.clearFaults();
    await ensureSignedIn();
    const readStore = async () => (await ext.page()).evaluate(() => chrome.storage.local.get(['outboxSize', 'auth']));
    const tDrain = Date.now();
    let size = (await readStore()).outboxSize ?? 0;
    const drainBefore = size ? await workerOrigin() : null;
    if (size) await ext.stopWorker();
    let drainWoke = false;
    while (size !== 0 && Date.now() - tDrain < drainLimitS * 1000) {
      // A storage change or a sign-out, polled (the page keeps no listener across reads).
      const st = await waitFor(async () => {
        const s = await readStore();
        return (s.outboxSize === 0 || (s.auth && s.auth.status === 'reauth')) ? s : null;
      }, { timeout: Math.max(1000, drainLimitS * 1000 - (Date.now() - tDrain)), interval: 250 }).catch(() => null);
      if (!st) { size = (await readStore()).outboxSize ?? -1; break; }
      size = st.outboxSize;
      if (size !== 0) { stats.signouts++; stats.drainSignIns++; await signInAgain(); }
    }
    // What did not drain, for the report: each op's state and last error (no entity body).
    let leftOps = [];
    if (size !== 0) {
      const { outbox } = await (await ext.page()).evaluate(() => chrome.storage.local.get('outbox'));
      leftOps = ((outbox && outbox.ops) || []).map(({ entity, ...op }) => ({ ...op, type: entity && entity.type, id: entity && entity.id }));
      if (verbose || leftOps.length) out(`soak: left in the outbox: ${JSON.stringify(leftOps).slice(0, 2000)}`);
    }
    if (drainBefore != null) drainWoke = (await workerOrigin()) !== drainBefore;
    const drainS = (Date.now() - tDrain) / 1000;
    await harvestLog(null);
    const state = await sandbox.state();
    const cmp = judge(state, intended, demoIds, { userId: traits(sandbox).memberId });
    // The writes in flight at a restart: each made by the soak and on the server exactly once.
    const restartWrites = [...stats.restartWrites];
    const onServer = (k) => { const [type, id] = k.split(':'); return (state[LISTS[type]] || []).filter((e) => e.id === id).length; };
    const restartWritesOnce = restartWrites.filter((k) => intended.has(k) && onServer(k) === 1).length;
    for (const k of restartWrites) if (!(intended.has(k) && onServer(k) === 1)) cmp.details.push(`${k} (in flight at a restart): ${onServer(k)} on the server${intended.has(k) ? '' : ', not made by the soak'}`);
    const ref = classifyRefusals(stats.refusals);
    const lost = cmp.lost + ref.lost;
    for (const r of stats.refusals) {
      if (!EXPECTED_REFUSALS.includes(r.code)) cmp.details.push(`op ${r.op} (${r.what}) refused: ${r.code}`);
    }
    const elapsedS = (Date.now() - t0) / 1000;
    const rate = stats.requests ? stats.faults / stats.requests : 0;
    const result = {
      ops: n, faults: stats.faults, lost, lostRefused: ref.lost, refusedByCode: ref.byCode, duplicated: cmp.duplicated, out_of_order: cmp.outOfOrder,
      signouts: stats.signouts, signOutCap: signOutCap(stats.expiries), expiries: stats.expiries, kills: stats.kills, killsAttempted: stats.killsAttempted,
      accepted: stats.accepted, anomalies: stats.anomalies, faulted: faults,
      restarts: stats.restarts, restartsAttempted: stats.restartsAttempted, restartsInFlight: stats.restartsInFlight, startupRetries: stats.startupRetries,
      restartWrites: restartWrites.length, restartWritesOnce, phases: phaseLog, drainWoke,
      requests: stats.requests, rate, elapsedS, drainS, outboxLeft: size, seed, stats, details: cmp.details,
      intended: intended.size,
    };
    out(`soak: ops=${n} faults=${stats.faults} lost=${lost} duplicated=${cmp.duplicated} out_of_order=${cmp.outOfOrder} signouts=${stats.signouts} kills=${stats.kills} accepted=${stats.accepted}`);
    out(`soak: dialect=${sandbox.dialect} seed=${seed} elapsed=${elapsedS.toFixed(1)}s drain=${drainS.toFixed(1)}s (alarms only, worker woken anew: ${drainBefore == null ? 'nothing to drain' : drainWoke}) requests=${stats.requests} fault_rate=${(rate * 100).toFixed(1)}% `
      + `worker_stops=${stats.killsAttempted} new_workers_seen=${stats.kills} restarts=${stats.restarts} (of ${stats.restartsAttempted}; with a write in flight ${stats.restartsInFlight}, `
      + `its writes on the server once ${restartWritesOnce}/${restartWrites.length}; onStartup retries seen ${stats.startupRetries}) token_expiries=${stats.expiries} sign_ins=${stats.signIns} signouts=${stats.signouts} (cap ${result.signOutCap}) popup_opens=${stats.popupOpens} edits=${stats.edits} `
      + `refused=${stats.refused}${stats.refused ? ` (${Object.entries(ref.byCode).map(([c, k]) => `${c}:${k}`).join(' ')})` : ''} `
      + `refused_lost=${ref.lost} (expected by design: ${EXPECTED_REFUSALS.join(', ')}) entities_checked=${intended.size} outbox_left=${size}`);
    out(`soak: ops by kind: ${Object.entries(stats.ops).map(([k, v]) => `${k}:${v}`).join(' ')}`);
    if (phaseLog.length) {
      const byName = new Map();
      for (const p of phaseLog) {
        const b = byName.get(p.name) || { name: p.name, ops: 0, requests: 0, faults: 0 };
        b.ops += p.ops; b.requests += p.requests; b.faults += p.faults;
        byName.set(p.name, b);
      }
      result.phases = [...byName.values()];
      out(`soak: phases: ${result.phases.map((p) => `[${p.name}: ops=${p.ops} faults=${p.faults}/${p.requests}]`).join(' ')}`);
    }
    for (const d of cmp.details.slice(0, 40)) out(`soak: mismatch: ${d}`);
    for (const a of stats.anomalies.slice(0, 20)) out(`soak: anomaly: ${a}`);
    return result;
  } finally {
    if (ext) await ext.close();
    await sandbox.stop();
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const env = process.env;
  const num = (v, d) => (v != null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
  const opts = {
    n: num(env.SOAK_N, 40), killEvery: num(env.SOAK_KILL_EVERY, 5), expireEvery: num(env.SOAK_EXPIRE_EVERY, 9), restartEvery: num(env.SOAK_RESTART_EVERY, 20),
    drainLimitS: num(env.SOAK_DRAIN_S, 600), verbose: env.SOAK_VERBOSE === '1',
  };
  if (env.SOAK_SEED) opts.seed = num(env.SOAK_SEED, 1);
  runSoak(opts).then((r) => {
    const why = verdict(r);
    for (const w of why) console.log(`soak: FAIL: ${w}`);
    process.exit(why.length ? 1 : 0);
  }, (e) => {
    console.error(`soak: error: ${e && e.stack ? e.stack : e}`);
    process.exit(2);
  });
}
