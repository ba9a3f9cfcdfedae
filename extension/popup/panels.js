// Parts of the popup that render one piece of state each: parked changes of
// other accounts, the screen-reader announcement of the timer, the question
// about time away. Plain DOM, text only.
import { el } from '../common.js';
import { t } from '../i18n.js';

const $ = (id) => document.getElementById(id);
const show = (id, on) => { $(id).hidden = !on; };

// Changes of another account (another server or client id, or another
// member) that were not sent: kept for it, or discarded, never sent here.
export function renderParked(list, settings) {
  const box = $('parked');
  const open = (list || []).filter((p) => !p.kept);
  box.replaceChildren(...open.map((p) => {
    // The server names the account, unless it is this one's or another's too.
    const clash = (settings && settings.baseUrl === p.baseUrl) || open.some((o) => o !== p && o.baseUrl === p.baseUrl);
    const detail = clash ? [t('parked_client', p.clientId), ...(p.userId ? [t('parked_member', p.userId)] : [])] : [];
    const who = detail.length ? `${p.baseUrl} (${detail.join(', ')})` : p.baseUrl;
    const row = el('div', null, { class: 'parked-row' });
    row.append(
      el('p', p.changes === 1 ? t('parked_one', who) : t('parked_many', p.changes, who), { class: 'parked-text' }),
      el('button', t('parked_keep'), { type: 'button', 'data-action': 'keep', 'data-key': p.key, title: t('parked_keep_title') }),
      el('button', t('parked_discard'), { type: 'button', 'data-action': 'discard', 'data-key': p.key, title: t('parked_discard_title') }),
    );
    return row;
  }));
  show('parked', open.length > 0);
}

// The timer starting or stopping is told to screen readers through the
// polite status region (#announce); the first render only notes the state.
let lastTimerKey;
export function announceTimer(timer) {
  const key = timer ? timer.label || '' : '';
  if (lastTimerKey !== undefined && key !== lastTimerKey) {
    $('announce').textContent = timer ? t('timer_started', timer.label || t('task')) : t('timer_stopped');
  }
  lastTimerKey = key;
}

// Time away while the timer ran (the worker's idle record): keep it, stop
// the timer when it began, or drop it and keep running.
// In the language of the messages shown (the browser's, where a locale exists).
const clock = (ms) => new Date(ms).toLocaleTimeString(t('lang'), { hour: '2-digit', minute: '2-digit' });
export function renderIdleQuestion(q) {
  show('idle-question', !!q);
  if (!q) return;
  $('idle-text').textContent = t('idle_text', q.minutes, clock(q.since), clock(q.until));
  $('idle-stop').textContent = t('idle_stop_at', clock(q.since));
}
