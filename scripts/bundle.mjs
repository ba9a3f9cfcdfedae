// The extension's scripts as the browser loads them: each entry point (the
// service worker, the popup, the options page) and every module it imports,
// the wasm package's JS glue included, bundled by esbuild into one file in
// extension/build/ (git-ignored, written by `make build`). One file instead of
// a graph of twenty: the worker and the popup start without a fetch and a
// module evaluation per import (tests/bench/RESULTS.md). The sources in
// extension/ stay the ones to edit; a change needs `make build` (or
// `node scripts/bundle.mjs`) before the unpacked extension shows it.
//
//   node scripts/bundle.mjs [DIR]     bundles DIR/ (default extension/) into DIR/build/
//
// Minified: a worker woken by the popup answers about half a millisecond
// sooner from a 53 KB script than from the 99 KB of the sources as written
// (tests/bench/RESULTS.md, the restart). The unpacked build has a source
// map beside each bundle (build/*.js.map), so DevTools and stack traces
// point at the sources; the packages have none (scripts/build-dist.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const EXT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'extension');

// Entry point (a path in the extension) → its bundle (a path in the extension).
export const BUNDLES = {
  'background.js': 'build/background.js',
  'popup/first-paint.js': 'build/first-paint.js',
  'popup/popup.js': 'build/popup.js',
  'options/options.js': 'build/options.js',
};
export const BUILD_DIR = 'build';

/**
 * Bundle the entry points of the extension at dir into dir/build/.
 * Returns { inputs: the source files bundled (paths in dir), outputs }.
 */
export function bundle(dir = EXT_DIR, { sourceMaps = true } = {}) {
  const outDir = path.join(dir, BUILD_DIR);
  fs.rmSync(outDir, { recursive: true, force: true });
  const r = buildSync({
    absWorkingDir: dir,
    entryPoints: Object.entries(BUNDLES).map(([inp, out]) => ({ in: inp, out: out.replace(/^build\//, '').replace(/\.js$/, '') })),
    outdir: outDir,
    bundle: true,
    format: 'esm',
    // Chromium 116 (minimum_chrome_version) and Firefox 142 read ES2022 as written.
    target: 'es2022',
    platform: 'browser',
    charset: 'utf8',
    legalComments: 'none',
    minify: true,
    sourcemap: sourceMaps ? 'linked' : false,
    // Each bundle stands alone (no chunk shared between pages and the
    // worker), but for the popup's two: popup.html loads build/first-paint.js,
    // which imports build/popup.js once it has painted, which imports that
    // same first-paint.js instead of a copy.
    splitting: false,
    external: ['./build/first-paint.js', './build/popup.js'],
    metafile: true,
    logLevel: 'error',
  });
  const inputs = [...new Set(Object.values(r.metafile.outputs).flatMap((o) => Object.keys(o.inputs)))].sort();
  return { inputs, outputs: Object.values(BUNDLES) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] || EXT_DIR);
  const { inputs, outputs } = bundle(dir);
  console.log(`${path.relative(process.cwd(), path.join(dir, BUILD_DIR)) || '.'}: ${outputs.length} bundles from ${inputs.length} modules`);
}
