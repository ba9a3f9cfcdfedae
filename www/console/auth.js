// Connection settings, sign-in (OAuth with PKCE, by redirect) and sign-out.
import { TymeClient } from '../pkg/tyme_tab.js';
import { setText } from '../lib/dom.js';
import { validateSettings } from '../lib/validate.js';
import { K, app, $, load, save, say, errText, signedIn, showErrors } from './state.js';

export function renderAuth() {
  const on = signedIn();
  const st = $('#auth-status');
  st.dataset.state = on ? 'signed-in' : 'signed-out';
  setText(st, on ? `Signed in to ${app.settings.apiBaseUrl}` : 'Signed out');
  $('#sign-in').hidden = on;
  $('#sign-out').hidden = !on;
  document.body.dataset.auth = on ? 'in' : 'out';
}

/** A new client for the current settings. Its onTokens only counts while it is
 *  app.client: a flush or refresh still running on a client dropped by sign-out
 *  or a settings change cannot store tokens again. */
export function makeClient() {
  // What this server speaks, as the core learned it (src/dialect.rs), kept per server.
  const server = JSON.stringify([app.settings.apiBaseUrl, app.settings.clientId]);
  const known = load(localStorage, K.dialect, null);
  const client = new TymeClient({
    baseUrl: app.settings.apiBaseUrl,
    clientId: app.settings.clientId,
    redirectUri: app.redirectUri,
    dialect: known && known.server === server ? known.known : null,
    onDialect: (d) => { if (app.client === client) save(localStorage, K.dialect, { server, known: d }); },
    onTokens: async (tokens) => {
      if (app.client !== client) return;
      save(sessionStorage, K.tokens, tokens);
      if (!tokens) { queueMicrotask(renderAuth); say('Your session ended: sign in again.', 'error'); }
    },
  });
  const old = app.client;
  app.client = client;
  if (old) old.setTokens(null);
  const tokens = load(sessionStorage, K.tokens, null);
  if (tokens) client.setTokens(tokens);
}

export function beginSignIn() {
  const { url, state, verifier } = app.client.beginSignIn();
  save(sessionStorage, K.pending, { state, verifier, apiBaseUrl: app.settings.apiBaseUrl, clientId: app.settings.clientId });
  location.assign(url);
}

export function signOut() {
  sessionStorage.removeItem(K.tokens);
  sessionStorage.removeItem(K.pending);
  makeClient(); // forgets the old client's tokens and ignores whatever it still reports
  renderAuth();
  say('Signed out.');
}

/** On return from the authorize page: check state, exchange the code, clean the address bar. */
export async function completeSignIn() {
  const here = new URL(location.href);
  if (!here.searchParams.has('code') && !here.searchParams.has('error')) return;
  const pending = load(sessionStorage, K.pending, null);
  sessionStorage.removeItem(K.pending);
  const clean = new URL(location.href);
  for (const p of ['code', 'state', 'error', 'error_description', 'error_uri']) clean.searchParams.delete(p);
  history.replaceState(null, '', clean.pathname + clean.search + clean.hash);
  if (!pending) { say('Sign-in answer without a sign-in started from this tab: ignored.', 'error'); return; }
  // The code (and the verifier with it) goes only to the server the sign-in
  // began with: settings changed since (in another tab) would send them elsewhere.
  if (pending.apiBaseUrl !== app.settings.apiBaseUrl || (pending.clientId !== undefined && pending.clientId !== app.settings.clientId)) {
    say('Sign-in failed: the answer is for another server or client id than the one now set, so it was ignored. Sign in again.', 'error');
    return;
  }
  try {
    const code = TymeClient.parseRedirect(here.href, pending.state);
    await app.client.exchangeCode(code, pending.verifier);
    say('Signed in.');
  } catch (e) {
    if (e && e.code === 'access_denied') say(`Sign-in was denied: ${e.message}`, 'error');
    else say(`Sign-in failed: ${errText(e)}`, 'error');
  }
}

// ---------- settings ----------
export function loadSettings() {
  const stored = load(localStorage, K.settings, null) || {};
  app.settings = {
    apiBaseUrl: stored.apiBaseUrl || app.config.apiBaseUrl,
    clientId: stored.clientId || app.config.clientId,
  };
  const f = $('#settings-form');
  f.elements.apiBaseUrl.value = app.settings.apiBaseUrl;
  f.elements.clientId.value = app.settings.clientId;
  setText($('#redirect-uri'), app.redirectUri);
}

export function wireSettings() {
  const f = $('#settings-form');
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const { value, errors } = validateSettings({ apiBaseUrl: f.elements.apiBaseUrl.value, clientId: f.elements.clientId.value });
    if (!showErrors(f, errors)) return;
    save(localStorage, K.settings, value);
    sessionStorage.removeItem(K.tokens);
    loadSettings();
    makeClient();
    renderAuth();
    say('Connection saved; sign in again.');
  });
  $('#settings-reset').addEventListener('click', () => {
    localStorage.removeItem(K.settings);
    sessionStorage.removeItem(K.tokens);
    loadSettings();
    makeClient();
    renderAuth();
  });
}
