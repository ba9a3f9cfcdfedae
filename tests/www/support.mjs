// Shared set-up of the www console tests: a fresh sandbox, a www server in
// front of www/, a client registered for the console's redirect URI, and a
// headless Chromium with a fresh profile.
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startSandbox } from '../support/sandbox.mjs';
import { discoveryMisses } from '../support/dialect.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.mjs';
import { startWwwServer } from '../../scripts/www-server.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLIENT_ID = 'tyme-www-test';

export function requireWasm() {
  const wasm = path.join(ROOT, 'www', 'pkg', 'tyme_tab_bg.wasm');
  if (!existsSync(wasm)) throw new Error('www/pkg is missing: run `make wasm` first');
}

/** Starts everything; `t.after` stops it. Options: timezoneId (default UTC). */
export async function setup(t, { timezoneId = 'UTC', sandboxArgs = [] } = {}) {
  requireWasm();
  const sb = await startSandbox({ args: sandboxArgs });
  const www = await startWwwServer({ sandboxUrl: sb.url, clientId: CLIENT_ID });
  await sb.addClient({ client_id: CLIENT_ID, redirect_uris: [`${www.url}/`, `${www.url}/index.html`] });
  const profile = await mkdtemp(path.join(tmpdir(), 'tyme-www-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timezoneId,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  const discoveries = [];
  page.on('pageerror', (e) => pageErrors.push(e));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const miss = discoveryMiss(sb, m);
    // The browser logs every refused fetch; a discovery miss of the dialect
    // (the client learning the server's way) is expected, once per server.
    if (miss && !discoveries.includes(miss)) discoveries.push(miss);
    else pageErrors.push(new Error(miss ? `discovery asked again: ${miss}: ${m.text()}` : m.text()));
  });
  t.after(async () => {
    await context.close().catch(() => {});
    await www.stop().catch(() => {});
    await sb.stop().catch(() => {});
    await rm(profile, { recursive: true, force: true });
  });
  return { sb, www, context, page, pageErrors, discoveries };
}

/** "path status" of a console error that is a refused fetch listed as a discovery miss of the sandbox's dialect, else null. */
function discoveryMiss(sb, m) {
  const status = /status of (\d{3})/.exec(m.text());
  let url = null;
  try { url = new URL(m.location().url); } catch { return null; }
  if (!status || url.origin !== new URL(sb.url).origin) return null;
  const key = `${url.pathname} ${status[1]}`;
  return discoveryMisses(sb).some(([, p, st]) => `${p} ${st}` === key) ? key : null;
}

export async function openConsole(page, www, hash = '') {
  await page.goto(`${www.url}/${hash}`);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
}

export async function signIn(page, www) {
  await openConsole(page, www);
  await page.click('#sign-in');
  await page.waitForSelector('#auth-status[data-state="signed-in"]');
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
}

/** Requests the sandbox logged, without the control API. */
export async function dataRequests(sb) {
  return (await sb.log()).filter((r) => !r.path.startsWith('/_sandbox'));
}

export async function idle(page) {
  await page.waitForSelector('body:not([data-busy])', { state: 'attached' });
}

export async function selectItem(page, listId, name) {
  await idle(page);
  const exact = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page.locator(`${listId} button.item`).filter({ hasText: exact }).first().click();
  await page.waitForFunction(([l, n]) => [...document.querySelectorAll(`${l} button.item.selected`)]
    .some((b) => b.textContent === n), [listId, name]);
  await idle(page);
}

export async function saveForm(page, formId) {
  await idle(page);
  await page.click(`${formId} button[type=submit]`);
  await idle(page);
  await page.waitForFunction((f) => /^(Created|Saved) /.test(document.querySelector(`${f} .form-status`).textContent)
    || document.querySelector(`${f} .form-status`).dataset.kind === 'error', formId);
  const status = await page.textContent(`${formId} .form-status`);
  if (!/^(Created|Saved) /.test(status)) throw new Error(`${formId}: ${status}`);
}

export async function createCategory(page, name) {
  await page.click('#category-form button.new');
  await page.fill('#category-form input[name=name]', name);
  await saveForm(page, '#category-form');
}

export async function createProject(page, p) {
  await page.click('#project-form button.new');
  const f = '#project-form';
  await page.fill(`${f} input[name=name]`, p.name);
  // The form defaults to the selected category; no category given means none.
  if (p.category) await page.selectOption(`${f} select[name=category_id]`, { label: p.category });
  else await page.selectOption(`${f} select[name=category_id]`, '');
  await page.fill(`${f} input[name=rounding_method]`, p.rounding_method);
  await page.fill(`${f} input[name=rounding_minutes]`, String(p.rounding_minutes));
  await page.fill(`${f} input[name=hourly_rate]`, String(p.hourly_rate));
  await page.fill(`${f} input[name=planned_duration_hours]`, String(p.planned_duration_hours ?? 0));
  await page.fill(`${f} input[name=planned_budget]`, String(p.planned_budget ?? 0));
  await saveForm(page, f);
}

export async function createTask(page, tsk) {
  await page.click('#task-form button.new');
  const f = '#task-form';
  await page.fill(`${f} input[name=name]`, tsk.name);
  if (tsk.project) await page.selectOption(`${f} select[name=project_id]`, { label: tsk.project });
  await page.setChecked(`${f} input[name=billable]`, Boolean(tsk.billable));
  await page.fill(`${f} input[name=planned_minutes]`, String(tsk.planned_minutes ?? 0));
  await page.fill(`${f} input[name=planned_seconds]`, String(tsk.planned_seconds ?? 0));
  await saveForm(page, f);
}

export async function createSubTask(page, st) {
  await page.click('#subtask-form button.new');
  const f = '#subtask-form';
  await page.fill(`${f} input[name=name]`, st.name);
  await page.fill(`${f} input[name=planned_minutes]`, String(st.planned_minutes ?? 0));
  await page.fill(`${f} input[name=planned_seconds]`, String(st.planned_seconds ?? 0));
  await saveForm(page, f);
}

/** Adds a past entry on the selected task/sub-task; start/end as 'YYYY-MM-DDTHH:MM:SS' local. */
export async function addPastEntry(page, start, end, note = '') {
  await page.fill('#past-form input[name=start]', start);
  await page.fill('#past-form input[name=end]', end);
  await page.fill('#past-form input[name=note]', note);
  await page.click('#past-form button[type=submit]');
}

/** Waits until nothing is being queued (body[data-busy]) and the outbox is empty. */
export async function waitOutboxEmpty(page) {
  await page.waitForFunction(() => !document.body.dataset.busy && document.querySelector('#outbox-size').textContent === '0'
    && !document.querySelector('#entry-list .sync:not([data-state="saved"])'), null, { timeout: 10000 });
}

export async function screenshot(page, name) {
  const dir = path.join(ROOT, 'out', 'screenshots');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
