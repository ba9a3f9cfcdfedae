// The wasm core, loaded once per worker on first use. No top-level await
// (Chromium refuses it in a module service worker): every handler that calls
// the core awaits `wasmReady()`. Not loaded at the worker's start: fetching
// and compiling it holds the worker's thread for several milliseconds, and a
// worker woken by a page's message answers that message first
// (background.js, `wake`); the popup's getState needs no wasm.
import init from '../pkg/tyme_tab.js';

let loading = null;

/** The core's exports once loaded; the first call starts the load (a failed load is tried again by the next call). */
export function wasmReady() {
  if (!loading) {
    if (globalThis.tymeTabBench) globalThis.tymeTabBench.wasmFrom = performance.now();
    loading = init({ module_or_path: chrome.runtime.getURL('pkg/tyme_tab_bg.wasm') });
    loading.catch(() => { loading = null; });
    loading.then((w) => { if (globalThis.tymeTabBench) Object.assign(globalThis.tymeTabBench, { wasmAt: performance.now(), wasmMemory: w && w.memory }); }, () => {});
  }
  return loading;
}
