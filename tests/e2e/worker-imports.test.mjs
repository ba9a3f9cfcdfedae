// The service worker imports what it uses from the wasm package by name, so a
// package that lacks one fails to load instead of running with a no-op.
// Plain node: reads background.js and the package's JS glue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EXT_DIR } from './support.mjs';

const src = fs.readFileSync(path.join(EXT_DIR, 'background.js'), 'utf8');

function namedImports(from) {
  const re = new RegExp(`import\\s+(?:\\w+\\s*,\\s*)?\\{([^}]*)\\}\\s*from\\s*['"]${from.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]`);
  const m = src.match(re);
  assert.ok(m, `background.js has a named import from ${from}`);
  return m[1].split(',').map((s) => s.trim()).filter(Boolean).map((s) => s.split(/\s+as\s+/)[0].trim());
}

test('every wasm function the worker uses is a named import the package exports', async () => {
  const names = namedImports('./pkg/tyme_tab.js');
  for (const n of ['outboxMarkSending', 'outboxRequeueInFlight', 'outboxResume']) assert.ok(names.includes(n), `${n} imported by name`);
  const pkg = await import(path.join(EXT_DIR, 'pkg', 'tyme_tab.js'));
  const missing = names.filter((n) => typeof pkg[n] === 'undefined');
  assert.deepEqual(missing, [], 'exports missing from the package');
});

test('no silent fallbacks for missing package functions', () => {
  assert.ok(!/import\s+init\s*,\s*\*\s*as/.test(src), 'no namespace import of the package');
  assert.ok(!/\bcore\.\w+\s*\|\|/.test(src), 'no `core.x || fallback`');
});
