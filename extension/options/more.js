// Options beyond the connection: idle time, keyboard shortcuts, site rules.
import { send, el } from '../common.js';

const $ = (id) => document.getElementById(id);

// The shortcuts as the browser has them now; changed on the browser's own page.
export async function showShortcuts() {
  const list = $('shortcuts');
  const commands = chrome.commands && chrome.commands.getAll ? await chrome.commands.getAll() : [];
  list.replaceChildren(...commands.map((c) => el('li', `${c.shortcut || 'not set'} — ${c.name === '_execute_action' ? 'Open Tyme Tab' : c.description}`)));
}
$('open-shortcuts').addEventListener('click', () => {
  // Chromium's page; Firefox has its own under Manage extensions.
  chrome.tabs.create({ url: navigator.userAgent.includes('Firefox') ? 'about:addons' : 'chrome://extensions/shortcuts' });
});

// Site rules: site (host) and path prefix editable, the task shown; saved as a whole.
let rules = [];
const taskLabel = (t) => [t.projectName, t.taskName, t.subtaskName].filter(Boolean).join(' › ') || t.taskId;

function renderRules() {
  const body = $('rules-body');
  body.replaceChildren(...rules.map((r, i) => {
    const tr = el('tr');
    const host = el('input', null, { type: 'text', value: r.host, 'aria-label': `Site of rule ${i + 1}`, 'data-i': String(i), 'data-field': 'host', spellcheck: 'false' });
    const path = el('input', null, { type: 'text', value: r.path, 'aria-label': `Path prefix of rule ${i + 1}`, 'data-i': String(i), 'data-field': 'path', spellcheck: 'false' });
    const del = el('button', 'Remove', { type: 'button', 'data-remove': String(i) });
    const cells = [host, path, el('span', taskLabel(r.task)), del].map((c) => { const td = el('td'); td.append(c); return td; });
    tr.append(...cells);
    return tr;
  }));
  $('rules-empty').hidden = rules.length > 0;
  $('rules-table').hidden = rules.length === 0;
}

export async function loadSiteRules() {
  const res = await send('rules');
  rules = res.ok ? res.data : [];
  renderRules();
}

$('rules-body').addEventListener('input', (e) => {
  const i = Number(e.target.dataset.i);
  if (Number.isInteger(i) && rules[i]) rules[i] = { ...rules[i], [e.target.dataset.field]: e.target.value };
});
$('rules-body').addEventListener('click', (e) => {
  const i = e.target.dataset && e.target.dataset.remove;
  if (i === undefined) return;
  rules.splice(Number(i), 1);
  renderRules();
});
$('save-rules').addEventListener('click', async () => {
  const res = await send('setRules', { rules });
  $('rules-message').textContent = res.ok ? 'Rules saved.' : res.error.message;
  $('rules-message').className = res.ok ? '' : 'error';
  if (res.ok) { rules = res.data; renderRules(); }
});
