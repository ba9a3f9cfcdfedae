// Webhooks: subscribe and unsubscribe, and the deliveries the local
// receiver got, live (Server-Sent Events from scripts/www-server.mjs).
import { h, clear, setText } from '../lib/dom.js';
import { validateHook } from '../lib/validate.js';
import { K, app, $, $$, load, save, errText, needSignIn, showErrors, formStatus } from './state.js';

function hooks() { return load(localStorage, K.hooks, []); }

function renderHooks() {
  const tbody = clear($('#hook-table tbody'));
  const list = hooks();
  if (!list.length) tbody.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'None.')));
  for (const s of list) {
    tbody.append(h('tr', { 'data-trigger': s.trigger },
      h('td', {}, s.hookUrl), h('td', {}, s.trigger), h('td', {}, new Date(s.at).toLocaleString()),
      h('td', {}, h('button', { type: 'button', class: 'unsub', onclick: () => unsubscribe(s.hookUrl, [s.trigger]) }, 'Unsubscribe'))));
  }
}

async function subscribe(ev) {
  ev.preventDefault();
  const f = $('#hook-form');
  const { value, errors } = validateHook({ hookUrl: f.elements.hookUrl.value, triggers: $$('input[name=trigger]:checked', f).map((c) => c.value) });
  if (!showErrors(f, errors)) return;
  if (needSignIn()) return;
  formStatus(f, 'Subscribing…');
  const done = [];
  try {
    for (const t of value.triggers) {
      await app.client.subscribeWebhook(value.hookUrl, t);
      done.push(t);
      const list = hooks().filter((x) => !(x.hookUrl === value.hookUrl && x.trigger === t));
      list.push({ hookUrl: value.hookUrl, trigger: t, at: Date.now() });
      save(localStorage, K.hooks, list);
    }
    formStatus(f, `Subscribed to ${done.join(', ')}.`, 'ok');
  } catch (e) {
    formStatus(f, `Subscribing failed${done.length ? ` after ${done.join(', ')}` : ''}: ${errText(e)}`, 'error');
  }
  renderHooks();
}

async function unsubscribe(hookUrl, triggers) {
  const f = $('#hook-form');
  if (needSignIn()) return;
  const done = [];
  try {
    for (const t of triggers) {
      await app.client.unsubscribeWebhook(hookUrl, t);
      done.push(t);
      save(localStorage, K.hooks, hooks().filter((x) => !(x.hookUrl === hookUrl && x.trigger === t)));
    }
    formStatus(f, `Unsubscribed from ${done.join(', ')}.`, 'ok');
  } catch (e) {
    formStatus(f, `Unsubscribing failed: ${errText(e)}`, 'error');
  }
  renderHooks();
}

export function wireHooks() {
  const f = $('#hook-form');
  f.elements.hookUrl.value = app.config.hooksUrl || '';
  f.addEventListener('submit', subscribe);
  $('#hook-unsubscribe').addEventListener('click', () => {
    const { value, errors } = validateHook({ hookUrl: f.elements.hookUrl.value, triggers: $$('input[name=trigger]:checked', f).map((c) => c.value) });
    if (!showErrors(f, errors)) return;
    unsubscribe(value.hookUrl, value.triggers);
  });
  renderHooks();
  const status = $('#hook-stream');
  const ol = $('#deliveries');
  const es = new EventSource('hooks/events');
  es.addEventListener('open', () => { setText(status, '(live)'); status.dataset.state = 'open'; });
  es.addEventListener('error', () => { setText(status, '(reconnecting…)'); status.dataset.state = 'error'; });
  es.addEventListener('delivery', (msg) => {
    let d;
    try { d = JSON.parse(msg.data); } catch { return; }
    const ent = d.entity && typeof d.entity === 'object' ? d.entity : {};
    const what = ent.name || ent.note || ent.id || '';
    ol.prepend(h('li', { 'data-trigger': d.trigger_type || '', 'data-entity-id': ent.id || '' },
      h('time', {}, new Date(d.receivedAt).toLocaleTimeString()), ' ',
      h('strong', {}, d.trigger_type || '(unknown)'), ' ',
      h('span', { class: 'etype' }, ent.type || ''), ' ',
      h('span', { class: 'ename' }, String(what)),
      ent.time_end !== undefined ? h('span', { class: 'hint' }, ent.time_end ? ` ended ${ent.time_end}` : ' running') : null));
    while (ol.children.length > 200) ol.lastElementChild.remove();
  });
}
