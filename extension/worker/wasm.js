// The wasm core, started once per worker. No top-level await (Chromium
// refuses it in a module service worker): every handler awaits `ready`.
import init from '../pkg/tyme_tab.js';

export const ready = init({ module_or_path: chrome.runtime.getURL('pkg/tyme_tab_bg.wasm') });
