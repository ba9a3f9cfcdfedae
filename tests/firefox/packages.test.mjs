// The release packages (make dist): what is in them, what is not, and that
// the same tree gives the same bytes. The Firefox package is then installed
// as it is in headless firefox-esr and signs in against the sandbox.
// Mozilla's linter runs on it from the Makefile (make lint-firefox).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  EXT_DIR, GECKO_ID, GECKO_MIN_VERSION, readManifest, writePackages, storeProblems, stripDevHooks,
} from '../../scripts/build-dist.mjs';
import { bundle, BUILD_DIR } from '../../scripts/bundle.mjs';
import { startSandbox } from '../support/sandbox.mjs';
import { launchFirefox, REDIRECT_URI, BASE } from './support.mjs';

// A zip's entries {name, data, time, date, mode}, read from its central directory.
function unzip(buf) {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'end of central directory');
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const time = buf.readUInt16LE(p + 12);
    const date = buf.readUInt16LE(p + 14);
    const csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const mode = buf.readUInt32LE(p + 38) >>> 16;
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nlen);
    const lstart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const body = buf.subarray(lstart, lstart + csize);
    out.push({ name, data: method === 8 ? zlib.inflateRawSync(body) : Buffer.from(body), time, date, mode });
    p += 46 + nlen + xlen + clen;
  }
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tyme-tab-dist-'));
const version = readManifest().version;
const first = path.join(tmp, 'a');
const second = path.join(tmp, 'b');
writePackages(first);
writePackages(second);
const zipOf = (dir, browser) => path.join(dir, `tyme-tab-${version}-${browser}.zip`);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('make dist twice on the same tree: byte-identical zips', () => {
  for (const b of ['chrome', 'firefox']) {
    const a = fs.readFileSync(zipOf(first, b));
    assert.ok(a.equals(fs.readFileSync(zipOf(second, b))), `${b} zip differs between two builds`);
    // Fixed order, time stamp and mode in every entry.
    const entries = unzip(a);
    assert.deepEqual(entries.map((e) => e.name), entries.map((e) => e.name).slice().sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    for (const e of entries) assert.deepEqual([e.time, e.date, e.mode], [0, 33, 0o100644], e.name);
  }
});

// The bundles scripts/bundle.mjs makes of a copy of the sources, each script
// changed by `change` first: {name in build/ → text}.
function bundlesOf(change) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tyme-tab-bundles-'));
  try {
    fs.cpSync(EXT_DIR, tmp, { recursive: true, filter: (f) => path.relative(EXT_DIR, f) !== BUILD_DIR });
    for (const f of fs.readdirSync(tmp, { recursive: true })) {
      if (f.endsWith('.js') && !f.startsWith('pkg/')) fs.writeFileSync(path.join(tmp, f), change(fs.readFileSync(path.join(tmp, f), 'utf8')));
    }
    const { outputs } = bundle(tmp, { sourceMaps: false });
    return Object.fromEntries(outputs.map((o) => [o, fs.readFileSync(path.join(tmp, o), 'utf8')]));
  } finally { fs.rmSync(tmp, { recursive: true, force: true }); }
}

test('the packages: the bundles and the source files they load, no key, no source maps, no declarations, no test hook or bench lines', () => {
  const stripped = bundlesOf((src) => stripDevHooks(src));
  for (const b of ['chrome', 'firefox']) {
    const entries = unzip(fs.readFileSync(zipOf(first, b)));
    const names = entries.map((e) => e.name);
    for (const f of ['manifest.json', 'build/background.js', 'build/first-paint.js', 'build/popup.js', 'build/options.js', 'popup/popup.html', 'options/options.html', 'pkg/tyme_tab_bg.wasm', 'icons/icon-128.png', '_locales/en/messages.json']) {
      assert.ok(names.includes(f), `${b}: ${f} packaged`);
    }
    // The scripts are the bundles only: the modules they are made of are not packaged.
    assert.deepEqual(names.filter((n) => n.endsWith('.js')).sort(), Object.keys(stripped).sort(), `${b}: the bundles are the only scripts`);
    assert.deepEqual(names.filter((n) => /\.map$|\.d\.ts$|\.pem$|(^|\/)\./.test(n)), [], `${b}: nothing but what runs`);
    for (const e of entries.filter((x) => x.name.endsWith('.js'))) {
      const js = e.data.toString('utf8');
      assert.ok(!/sourceMappingURL/.test(js), `${b}: ${e.name} names no source map`);
      assert.ok(!/tymeTab(Bench)?\b|bench instrumentation|tests\/bench/.test(js), `${b}: ${e.name} has no test hook or bench instrumentation`);
    }
    const m = JSON.parse(entries.find((e) => e.name === 'manifest.json').data);
    assert.equal(m.key, undefined, `${b}: no key`);
    // Every bundle is the one of the sources less their hook and bench lines; every other file is its source file, byte for byte.
    for (const e of entries.filter((x) => x.name !== 'manifest.json')) {
      if (e.name.endsWith('.js')) assert.equal(e.data.toString('utf8'), stripped[e.name], `${b}: ${e.name}`);
      else assert.ok(e.data.equals(fs.readFileSync(path.join(EXT_DIR, e.name))), `${b}: ${e.name} is the source file`);
    }
  }
  // The hook is all that is stripped: the listeners and handlers stay.
  const chromeZip = unzip(fs.readFileSync(zipOf(first, 'chrome')));
  const bg = chromeZip.find((e) => e.name === 'build/background.js').data.toString('utf8');
  // (The bundles are minified: the browser's API names and the handlers' keys keep theirs.)
  for (const s of ['chrome.runtime.onMessage.addListener', 'chrome.contextMenus.onClicked.addListener', 'chrome.alarms.onAlarm.addListener', 'chrome.commands.onCommand.addListener', 'getState:', 'editEntry:', '"toggle-timer"']) assert.ok(bg.includes(s), s);
  const withHooks = bundlesOf((src) => src)['build/background.js'];
  assert.match(withHooks, /globalThis\.tymeTab\s*=/, 'the unstripped bundle has the hook');
  assert.ok(withHooks.length - bg.length <= 600, `a few statements stripped, not more (${withHooks.length - bg.length} bytes)`);
  // What is stripped, on a sample of each kind.
  const sample = [
    '// Header.', '', '// bench instrumentation (tests/bench): first statement.', 'const T0 = performance.now();', 'import x from "./x.js";',
    'if (a) performance.mark("m"); // bench instrumentation (tests/bench)', 'document.body.dataset.n = "1"; // read by tests/bench',
    '// For tests driving the worker directly.', '// Nothing here is reachable from a page.', 'globalThis.tymeTab = { dispatch };', 'run();',
  ].join('\n');
  assert.equal(stripDevHooks(sample), ['// Header.', '', 'import x from "./x.js";', 'run();'].join('\n'));
  assert.throws(() => stripDevHooks('const hook = globalThis\n  .tymeTab;'), /left after stripping/);
});

test('the Chrome package manifest holds only what the Chrome Web Store accepts', () => {
  const m = JSON.parse(unzip(fs.readFileSync(zipOf(first, 'chrome'))).find((e) => e.name === 'manifest.json').data);
  assert.deepEqual(storeProblems(m), []);
  const src = readManifest();
  const { key, ...rest } = src;
  assert.ok(key, 'the source manifest keeps its key for a stable unpacked id');
  assert.deepEqual(m, rest, 'the source manifest less its key');
  assert.equal(m.background.service_worker, 'build/background.js');
  // The check itself: what the store refuses is reported.
  assert.match(storeProblems({ ...m, key: 'x' }).join(), /key "key"/);
  assert.match(storeProblems({ ...m, browser_specific_settings: {} }).join(), /browser_specific_settings/);
  assert.match(storeProblems({ ...m, version: '1.0-beta' }).join(), /version/);
});

test('the Firefox package manifest: module background page, gecko id, minimum version, data collection', () => {
  const m = JSON.parse(unzip(fs.readFileSync(zipOf(first, 'firefox'))).find((e) => e.name === 'manifest.json').data);
  const src = readManifest();
  assert.deepEqual(m.background, { scripts: [src.background.service_worker], type: 'module' });
  assert.deepEqual(m.browser_specific_settings, {
    gecko: { id: GECKO_ID, strict_min_version: GECKO_MIN_VERSION, data_collection_permissions: { required: ['browsingActivity'] } },
  });
  assert.equal(m.minimum_chrome_version, undefined);
  // Chromium's storage cap has no Firefox counterpart: the permission (a prompt in Firefox) is left out.
  assert.ok(src.permissions.includes('unlimitedStorage'));
  assert.deepEqual(m.permissions, src.permissions.filter((p) => p !== 'unlimitedStorage'));
  // Everything else as in the source.
  const { key, minimum_chrome_version: _, background, permissions: __, ...same } = src;
  for (const [k, v] of Object.entries(same)) assert.deepEqual(m[k], v, k);
});

test('the Firefox package as it is, in firefox-esr: background runs the wasm, no test hook, sign-in works', async () => {
  const sandbox = await startSandbox({ clients: [{ client_id: 'tyme-tab-package', redirect_uris: [REDIRECT_URI] }] });
  const ff = await launchFirefox({ addon: zipOf(first, 'firefox'), prefs: { 'extensions.webextOptionalPermissionPrompts': false } });
  try {
    const seen = await ff.inPage(`async () => {
      const bg = await browser.runtime.getBackgroundPage();
      return {
        hook: typeof bg.tymeTab, bench: typeof bg.tymeTabBench,
        pagePromise: typeof chrome.storage.local.get('x').then,
        bgPromise: typeof bg.chrome.storage.local.get('x').then,
        url: location.href,
      };
    }`);
    assert.deepEqual(seen, { hook: 'undefined', bench: 'undefined', pagePromise: 'function', bgPromise: 'function', url: `${BASE}/options/options.html` });
    const saved = await ff.send('saveSettings', { baseUrl: sandbox.url, clientId: 'tyme-tab-package' });
    assert.equal(saved.ok, true);
    // The redirect URL Firefox derives from the add-on id, as the options page shows it.
    await ff.helper();
    assert.equal(await ff.textOf('#redirect-uri'), REDIRECT_URI);
    const signedIn = await ff.send('signIn', { interactive: true });
    assert.deepEqual(signedIn, { ok: true, data: { signedIn: true } });
    assert.equal((await sandbox.state()).stats.tokens_issued, 1);
    // The popup, less its bench lines, still renders: signed in, idle.
    await ff.openPopup();
    await ff.shown('#idle');
    assert.equal(await ff.textOf('#status'), 'signed in');
  } finally {
    await ff.close();
    await sandbox.stop();
  }
});
