// Release packages and the Firefox build, from the one source in extension/.
//
//   node scripts/build-dist.mjs                 dist/tyme-tab-<version>-chrome.zip and -firefox.zip
//   node scripts/build-dist.mjs --unpacked firefox [--out DIR] [--test-hooks]
//                                               an unpacked Firefox tree (default out/firefox/)
//
// What differs between the builds is the manifest only (firefoxManifest,
// storeManifest below); in every package the test hook and the bench
// instrumentation are left out (stripDevHooks, on the sources before they
// are bundled). A package's scripts are the bundles of scripts/bundle.mjs
// (build/), built from the stripped sources; the modules they are made of
// are not packaged. No file is copied per browser.
//
// The zips are reproducible: files in byte order of their paths, one fixed
// time stamp and mode, deflate at level 9 (zlib is deterministic for a given
// input and level), no extra fields. The same tree gives the same bytes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundle, BUILD_DIR } from './bundle.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const EXT_DIR = path.join(ROOT, 'extension');

// Firefox: the add-on id fixes the OAuth redirect URL
// (https://<sha1 of the id, hex>.extensions.allizom.org/); never change it
// once published. `.invalid` is a reserved domain: the id claims no one's name.
export const GECKO_ID = 'tyme-tab@tymetab.invalid';
// 142: the first release (desktop and Android) that reads
// data_collection_permissions; the current ESR (153) is above it.
export const GECKO_MIN_VERSION = '142.0';
// What leaves the browser, in Mozilla's categories: the address and title of
// a page the user tracks go to the user's Tyme account, in the entry's note.
export const DATA_COLLECTION = { required: ['browsingActivity'] };

// Files of extension/ that are not part of a package: the wasm package's
// TypeScript declarations, source maps, editor and VCS leftovers.
const EXCLUDE = [/\.d\.ts$/, /\.map$/, /(^|\/)\.[^/]*$/, /(^|\/)package\.json$/, /~$/, /\.pem$/];

// Top-level manifest keys the Chrome Web Store accepts for this kind of
// extension (developer.chrome.com, "Manifest file format"). `key` is not one:
// the store assigns its own and rejects an upload that carries it.
export const CHROME_STORE_KEYS = new Set([
  'manifest_version', 'name', 'version', 'description', 'icons', 'action', 'author', 'background',
  'commands', 'content_scripts', 'content_security_policy', 'default_locale', 'homepage_url',
  'host_permissions', 'incognito', 'minimum_chrome_version', 'optional_host_permissions',
  'optional_permissions', 'options_page', 'options_ui', 'permissions', 'short_name', 'side_panel',
  'version_name', 'web_accessible_resources', 'externally_connectable', 'storage',
]);

export function readManifest(dir = EXT_DIR) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
}

/** The Chrome Web Store manifest: the source manifest without `key`. */
export function storeManifest(src) {
  const m = structuredClone(src);
  delete m.key;
  return m;
}

/**
 * The Firefox manifest from the Chrome one: the background as a module
 * background page (`background.scripts`, Firefox's MV3 has no extension
 * service worker), the gecko id, minimum version and data collection
 * declaration, and nothing Chromium-only (`key`, `minimum_chrome_version`,
 * `unlimitedStorage`).
 */
export function firefoxManifest(src) {
  const m = structuredClone(src);
  delete m.key;
  delete m.minimum_chrome_version;
  // Chromium caps storage.local at 10 MB without it (a big catalog and a long
  // offline queue could meet that cap), and asks the user nothing for it;
  // Firefox has no such cap (IndexedDB's limits apply) but would ask.
  m.permissions = (m.permissions || []).filter((p) => p !== 'unlimitedStorage');
  const bg = src.background || {};
  m.background = { scripts: [bg.service_worker], type: bg.type || 'module' };
  m.browser_specific_settings = {
    gecko: { id: GECKO_ID, strict_min_version: GECKO_MIN_VERSION, data_collection_permissions: DATA_COLLECTION },
  };
  return m;
}

/** Problems of a manifest for the Chrome Web Store (empty when none). */
export function storeProblems(m) {
  const problems = [];
  for (const k of Object.keys(m)) if (!CHROME_STORE_KEYS.has(k)) problems.push(`key "${k}" is not accepted by the Chrome Web Store`);
  if (m.manifest_version !== 3) problems.push('manifest_version must be 3');
  if (!/^\d{1,5}(\.\d{1,5}){0,3}$/.test(String(m.version))) problems.push(`version "${m.version}" is not 1 to 4 dot-separated integers`);
  if (!m.name || String(m.name).length > 75) problems.push('name missing or longer than 75 characters');
  if (!m.description || String(m.description).length > 132) problems.push('description missing or longer than 132 characters');
  if (!m.background || typeof m.background.service_worker !== 'string' || m.background.scripts) problems.push('background must be one service_worker');
  if (!m.icons || !m.icons['128']) problems.push('a 128 px icon is required');
  return problems;
}

/**
 * A script without the test hook (`globalThis.tymeTab`, reached by the
 * end-to-end tests), the bench instrumentation (`globalThis.tymeTabBench`,
 * `const T0`, and any statement whose line ends in a comment naming the
 * bench: `// bench instrumentation`, `// read by tests/bench`), and the
 * comment lines just above them. Fails loudly when any is left over, so a
 * change of those lines cannot ship one.
 */
export function stripDevHooks(src, name = 'script') {
  const lines = src.split('\n');
  const drop = new Set();
  const isHook = (line) => /globalThis\.tymeTab(Bench)?\b/.test(line)
    || /^const T0 = performance\.now\(\);$/.test(line.trim())
    || /^\s*[^\s/].*\/\/.*\b(bench instrumentation|tests\/bench)\b/.test(line);
  lines.forEach((line, i) => {
    if (isHook(line)) {
      drop.add(i);
      // Its comment: the comment lines above it up to the one naming tests or the bench.
      for (let j = i - 1; j >= 0 && /^\s*\/\//.test(lines[j]); j--) {
        if (/\b(tests?|bench)\b/i.test(lines[j])) { for (let k = j; k < i; k++) drop.add(k); break; }
      }
    }
  });
  const out = lines.filter((_, i) => !drop.has(i)).join('\n');
  if (/tymeTab(Bench)?\b|\bT0\b|bench instrumentation|tests\/bench/.test(out)) {
    throw new Error(`${name}: a test hook or bench line is left after stripping (update stripDevHooks)`);
  }
  return out;
}

// A stripped script must still be a valid module.
function checkSyntax(source, name) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tyme-tab-syntax-'));
  try {
    const f = path.join(tmp, 'check.mjs');
    fs.writeFileSync(f, source);
    execFileSync(process.execPath, ['--check', f], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`${name} is not valid JavaScript after stripping: ${String(e.stderr || e.message).slice(0, 500)}`);
  } finally { fs.rmSync(tmp, { recursive: true, force: true }); }
}

function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (EXCLUDE.some((re) => re.test(p))) continue;
    if (e.isDirectory()) out.push(...listFiles(dir, p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/**
 * The files of one build: [{ name, data }] in byte order of their names.
 * browser: 'chrome' | 'firefox'; testHooks keeps the worker's test hook.
 */
export function buildFiles(browser, { testHooks = false, dir = EXT_DIR } = {}) {
  const src = readManifest(dir);
  if (!fs.existsSync(path.join(dir, 'pkg', 'tyme_tab_bg.wasm'))) throw new Error('extension/pkg is missing: run `make wasm` first');
  const manifest = browser === 'firefox' ? firefoxManifest(src) : storeManifest(src);
  // The sources, stripped of the hooks, in a scratch tree; the bundles
  // (scripts/bundle.mjs) are built from that tree, so no hook reaches them.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tyme-tab-dist-'));
  try {
    for (const name of listFiles(dir)) {
      if (name.startsWith(`${BUILD_DIR}/`)) continue;
      let data = fs.readFileSync(path.join(dir, name));
      if (name.endsWith('.js') && !name.startsWith('pkg/') && !testHooks) {
        const text = data.toString('utf8');
        const stripped = stripDevHooks(text, name);
        if (stripped !== text) { checkSyntax(stripped, name); data = Buffer.from(stripped); }
      }
      fs.mkdirSync(path.dirname(path.join(tmp, name)), { recursive: true });
      fs.writeFileSync(path.join(tmp, name), data);
    }
    bundle(tmp, { sourceMaps: false });
    // What the browser loads: the bundles, not the modules they were built
    // from (every script of the extension is an entry of scripts/bundle.mjs).
    const files = [];
    for (const name of listFiles(tmp)) {
      if (name.endsWith('.js') && !name.startsWith(`${BUILD_DIR}/`)) continue;
      let data = fs.readFileSync(path.join(tmp, name));
      if (name === 'manifest.json') data = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      // (The bundles are minified: a name like T0 may be any variable there;
      // the globals the hooks set keep theirs.)
      else if (name.endsWith('.js') && !testHooks && /tymeTab(Bench)?\b/.test(data.toString('utf8'))) {
        throw new Error(`${name}: a test hook or bench line is left in the bundle`);
      }
      files.push({ name, data });
    }
    files.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    return { manifest, files };
  } finally { fs.rmSync(tmp, { recursive: true, force: true }); }
}

// ---------------------------------------------------------------- zip
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// 1980-01-01 00:00:00, the first instant a zip (DOS) time stamp can hold.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** A zip of [{name, data}] in the given order: deflate 9, fixed time and mode. */
export function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of files) {
    const nameBuf = Buffer.from(name, 'utf8');
    const deflated = zlib.deflateRawSync(data, { level: 9 });
    const stored = deflated.length >= data.length;
    const body = stored ? data : deflated;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(((0o100644 << 16) >>> 0), 38); // regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// ---------------------------------------------------------------- outputs
/** Write an unpacked build (a directory replaced whole). */
export function writeUnpacked(browser, outDir, opts = {}) {
  const { manifest, files } = buildFiles(browser, opts);
  fs.rmSync(outDir, { recursive: true, force: true });
  for (const { name, data } of files) {
    const p = path.join(outDir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
  }
  return { manifest, dir: outDir, files: files.length };
}

/** Write dist/tyme-tab-<version>-<browser>.zip for both browsers. */
export function writePackages(distDir = path.join(ROOT, 'dist')) {
  const version = readManifest().version;
  fs.mkdirSync(distDir, { recursive: true });
  const out = [];
  for (const browser of ['chrome', 'firefox']) {
    const { manifest, files } = buildFiles(browser);
    if (browser === 'chrome') {
      const problems = storeProblems(manifest);
      if (problems.length) throw new Error(`Chrome package manifest:\n  ${problems.join('\n  ')}`);
    }
    const file = path.join(distDir, `tyme-tab-${version}-${browser}.zip`);
    const bytes = zip(files);
    fs.writeFileSync(file, bytes);
    out.push({ browser, file, bytes: bytes.length, files: files.length });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : null; };
  fs.mkdirSync(path.join(ROOT, 'out'), { recursive: true });
  const unpacked = opt('--unpacked');
  if (unpacked) {
    if (!['chrome', 'firefox'].includes(unpacked)) throw new Error('--unpacked chrome|firefox');
    const outDir = path.resolve(opt('--out') || path.join(ROOT, 'out', unpacked));
    const r = writeUnpacked(unpacked, outDir, { testHooks: args.includes('--test-hooks') });
    console.log(`${path.relative(ROOT, r.dir)}: ${unpacked} build, ${r.files} files${args.includes('--test-hooks') ? ' (with the test hook)' : ''}`);
  } else {
    for (const r of writePackages()) {
      console.log(`${path.relative(ROOT, r.file)}: ${r.files} files, ${r.bytes} bytes`);
    }
  }
}
