// Tyme web console: loads the wasm core (www/pkg, built by `make wasm`), then
// the console (console/main.js and its modules; shared/ holds the rules and
// builders the extension uses too, copied from extension/shared by the build).
import { setText } from './lib/dom.js';
import { DEFAULT_BASE_URL } from './shared/rules.js';

const $ = (sel) => document.querySelector(sel);

function showTab() {
  const name = (location.hash || '#browse').slice(1);
  const known = [...document.querySelectorAll('[data-tab-panel]')].map((p) => p.dataset.tabPanel);
  const tab = known.includes(name) ? name : 'browse';
  for (const p of document.querySelectorAll('[data-tab-panel]')) p.hidden = p.dataset.tabPanel !== tab;
  for (const a of document.querySelectorAll('nav a')) a.setAttribute('aria-current', a.dataset.tab === tab ? 'page' : 'false');
}

async function main() {
  showTab();
  window.addEventListener('hashchange', showTab);
  let config;
  try {
    config = await (await fetch('config.json', { cache: 'no-store' })).json();
  } catch {
    config = { apiBaseUrl: DEFAULT_BASE_URL, clientId: '', hooksUrl: '' };
  }
  let start;
  try {
    const core = await import('./pkg/tyme_tab.js');
    await core.default({ module_or_path: new URL('./pkg/tyme_tab_bg.wasm', import.meta.url) });
    ({ start } = await import('./console/main.js'));
  } catch (e) {
    setText($('#auth-status'), 'Unavailable');
    const message = $('#message');
    setText(message, `The wasm package could not be loaded (run \`make wasm\`): ${e.message}`);
    message.dataset.kind = 'error';
    return;
  }
  await start(config);
}

main();
