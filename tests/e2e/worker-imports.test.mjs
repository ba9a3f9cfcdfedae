// The service worker's modules import what they use from the wasm package by
// name, so a package that lacks one fails to load instead of running with a
// no-op. Plain node: reads the worker's modules (background.js, worker/,
// shared/) and the package's JS glue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EXT_DIR } from './support.mjs';

const modules = ['background.js', ...['worker', 'shared'].flatMap((d) => fs.readdirSync(path.join(EXT_DIR, d)).filter((f) => f.endsWith('.js')).map((f) => `${d}/${f}`))];
const sources = Object.fromEntries(modules.map((m) => [m, fs.readFileSync(path.join(EXT_DIR, m), 'utf8')]));

// Named imports of the package in one module (its path is relative to the module).
function namedImports(src) {
  const re = /import\s+(?:\w+\s*,\s*)?\{([^}]*)\}\s*from\s*['"](?:\.\/|\.\.\/)pkg\/tyme_tab\.js['"]/g;
  return [...src.matchAll(re)].flatMap((m) => m[1].split(',').map((s) => s.trim()).filter(Boolean).map((s) => s.split(/\s+as\s+/)[0].trim()));
}

test('every wasm function the worker uses is a named import the package exports', async () => {
  const names = [...new Set(Object.values(sources).flatMap(namedImports))];
  for (const n of ['outboxClaim', 'outboxRequeueInFlight', 'outboxResume', 'TymeClient', 'makeNote']) assert.ok(names.includes(n), `${n} imported by name`);
  const pkg = await import(path.join(EXT_DIR, 'pkg', 'tyme_tab.js'));
  const missing = names.filter((n) => typeof pkg[n] === 'undefined');
  assert.deepEqual(missing, [], 'exports missing from the package');
});

test('no silent fallbacks for missing package functions', () => {
  for (const [name, src] of Object.entries(sources)) {
    assert.ok(!/import\s+(?:\w+\s*,\s*)?\*\s*as/.test(src), `${name}: no namespace import of the package`);
    assert.ok(!/\bcore\.\w+\s*\|\|/.test(src), `${name}: no \`core.x || fallback\``);
  }
});
