// The console's shared state and page helpers.
// Storage:
//   sessionStorage  tokens and the pending sign-in (state + PKCE verifier): this tab only.
//   localStorage    the outbox of time-entry writes, the running timer, the entries made
//                   here, the webhook subscriptions made here, the connection settings and
//                   what the core learned of the server: pending writes must survive a
//                   closed tab or a crash, and client-made ids make a write sent twice
//                   (say, from two tabs) land once.
import { setText } from '../lib/dom.js';

export const K = {
  tokens: 'tyme.www.tokens',
  pending: 'tyme.www.signin',
  outbox: 'tyme.www.outbox',
  running: 'tyme.www.running',
  entries: 'tyme.www.entries',
  hooks: 'tyme.www.webhooks',
  settings: 'tyme.www.settings',
  dialect: 'tyme.www.dialect',
};
export const AUTH = new Set(['unauthorized', 'reauth_required']);

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export function load(store, key, fallback) {
  try {
    const v = store.getItem(key);
    return v == null ? fallback : JSON.parse(v);
  } catch {
    return fallback;
  }
}
export function save(store, key, value) {
  if (value === null || value === undefined) store.removeItem(key);
  else store.setItem(key, JSON.stringify(value));
}

// No global: the client (and its tokens) stays in these modules, out of
// reach of any other script on the page and of a look at `window`.
export const app = {
  client: null,
  config: null,
  settings: null,
  redirectUri: new URL('./', location.href).href,
  sel: { category: '', project: '', task: '', subtask: '' },
  lists: { category: [], project: [], task: [], subtask: [], allCategories: [] },
  report: null,
  flushing: false,
  wakeTimer: null,
};

export function say(text, kind = 'info') {
  const el = $('#message');
  setText(el, text);
  el.dataset.kind = kind;
}

export function errText(e) {
  if (e && e.name === 'TymeError') return `${e.message} (${e.code}${e.status ? `, HTTP ${e.status}` : ''})`;
  return (e && e.message) || String(e);
}

export function signedIn() {
  return Boolean(app.client && app.client.getTokens());
}

export function needSignIn() {
  if (signedIn()) return false;
  say('Sign in first.', 'error');
  return true;
}

// ---------- field errors ----------
export function showErrors(form, errors) {
  for (const span of $$('.field-error', form)) {
    const msg = errors[span.dataset.errorFor] || '';
    setText(span, msg);
    const input = form.elements[span.dataset.errorFor];
    if (input && input.setAttribute) {
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }
  return Object.keys(errors).length === 0;
}
export function formStatus(form, text, kind = 'info') {
  const p = $('.form-status', form);
  if (p) { setText(p, text); p.dataset.kind = kind; }
}

/** Marks the page busy (body[data-busy]) while fn runs, so tests and styles can tell. */
export async function busy(fn) {
  app.busy = (app.busy || 0) + 1;
  document.body.dataset.busy = 'true';
  try { return await fn(); } finally {
    app.busy -= 1;
    if (!app.busy) delete document.body.dataset.busy;
  }
}
