// Sizes: the .wasm (raw, gzip -9 against the budget), the glue, the popup's code, the store zip.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, EXT_DIR } from '../../e2e/support.mjs';
import { add, round, gzip9, KB, OUT_DIR } from '../lib.mjs';
import { buildFiles, zip } from '../../../scripts/build-dist.mjs';

export function sizes() {
  const pkg = path.join(EXT_DIR, 'pkg');
  const wasm = path.join(pkg, 'tyme_tab_bg.wasm');
  const glue = path.join(pkg, 'tyme_tab.js');
  // The popup as the browser loads it: its page (its style inline) and two bundles (scripts/bundle.mjs).
  const popupFiles = ['build/first-paint.js', 'build/popup.js', 'popup/popup.html'].map((f) => path.join(EXT_DIR, f));
  const sum = (fs_) => fs_.reduce((s, f) => s + fs.statSync(f).size, 0);
  const sumGz = (fs_) => fs_.reduce((s, f) => s + gzip9(f), 0);

  add('size', '.wasm raw', round(fs.statSync(wasm).size / KB, 1), 'KB');
  // 120 KiB = 122,880 bytes, as the product card (and the Makefile's wasm target) set it.
  add('size', '.wasm gzip -9', round(gzip9(wasm) / KB, 1), 'KB', { op: '<=', limit: 120 }, `${gzip9(wasm)} bytes; budget 122,880 bytes`);
  add('size', 'JS glue (pkg/tyme_tab.js) raw / gzip', `${round(fs.statSync(glue).size / KB, 1)} / ${round(gzip9(glue) / KB, 1)}`, 'KB');
  const worker = path.join(EXT_DIR, 'build', 'background.js');
  add('size', 'worker code (build/background.js: its modules and the glue) raw / gzip', `${round(fs.statSync(worker).size / KB, 1)} / ${round(gzip9(worker) / KB, 1)}`, 'KB');
  add('size', 'popup code (build/first-paint.js, build/popup.js, popup.html) raw / gzip', `${round(sum(popupFiles) / KB, 1)} / ${round(sumGz(popupFiles) / KB, 1)}`, 'KB');

  // The store upload: the Chrome package as scripts/build-dist.mjs makes it
  // (the bundles, no module sources, no key, no test hook; deflate 9).
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const zipFile = path.join(OUT_DIR, 'tyme-tab.zip');
  fs.writeFileSync(zipFile, zip(buildFiles('chrome').files));
  add('size', 'zipped extension (the Chrome package, deflate 9)', round(fs.statSync(zipFile).size / KB, 1), 'KB', { op: '<=', limit: 200 }, path.relative(ROOT, zipFile));
}
