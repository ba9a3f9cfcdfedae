// The core's client of the signed-in account: one per base URL, client id
// and secret, so its single-flight refresh is shared by every caller; its
// tokens come from and go to chrome.storage (`tokens`), never only here.
import { t } from '../i18n.js';
import { TymeClient } from '../pkg/tyme_tab.js';
import { DEFAULT_BASE_URL } from '../shared/rules.js';
import { wasmReady } from './wasm.js';
import { store, locked, getSettings } from './storage.js';
import { UserError, signedOutError } from './errors.js';
import {
  serverKeyOf, accountOf, accountEpoch, switchAccountLocked, afterSwitch, ACCOUNT_CACHES, SERVER_CACHES,
} from './accounts.js';

let cached = null; // { key, client }
export function redirectUri() { return chrome.identity.getRedirectURL(); }

// Retire the current client (sign-out, sign-in, another server or client id):
// its tokens are dropped, so a request of it still in flight cannot use them,
// and its onTokens is ignored from now on (see onTokensOf).
export function dropClient() {
  const old = cached;
  cached = null;
  if (old) { try { old.client.setTokens(null); } catch { /* already unusable */ } }
}

// Tokens from one client (a sign-in, a rotation, a rejected refresh). Only the
// current client may store them: a flush that began before a sign-out must
// not bring the old account's tokens back. Under the storage lock, so a
// sign-out (also under it) cannot interleave between the check and the write.
function onTokensOf(owner) {
  return (tokens) => locked(async () => {
    if (!cached || cached.client !== owner.client) return;
    if (tokens) {
      await store.set({ tokens, auth: { status: 'signed_in' } });
    } else {
      await store.remove('tokens');
      await store.set({ auth: { status: 'reauth', message: t('auth_reauth') } });
      dropClient();
    }
  });
}

// Is `client` still the client in use? Checked under the lock before
// anything it fetched is written back (a sign-out drops it too).
export function current(client) { return !!cached && cached.client === client; }
// Was `client` made for the account whose data is stored now? A sign-out or
// a rejected refresh drops the client but keeps the account (and its
// outbox); a change of account (switchAccountLocked) moves to the next epoch.
const clientEpoch = new WeakMap();
export function sameAccount(client) { return clientEpoch.get(client) === accountEpoch(); }
/** `client` serves the account stored now (a sign-in that switched member). */
export function adoptAccount(client) { clientEpoch.set(client, accountEpoch()); }

/** The stored keys a client is made from (read along with a caller's own: clientLocked). */
export const CLIENT_KEYS = ['settings', 'tokens', 'account', 'dialect'];

export async function getClient({ needTokens = true } = {}) {
  await wasmReady();
  const switched = { at: false };
  return locked(async () => clientLocked(await store.get(CLIENT_KEYS), needTokens, switched))
    .finally(() => { if (switched.at) afterSwitch().catch(() => {}); });
}

/**
 * Under the lock: the client of the CLIENT_KEYS read in `got`, or the error
 * that says why there is none. Settings of another server than the stored
 * data's move that data to its account first and set `switched.at`: the
 * caller runs afterSwitch once out of the lock.
 */
export async function clientLocked(got, needTokens = true, switched = {}) {
  const settings = { baseUrl: DEFAULT_BASE_URL, ...(got.settings || {}) };
  if (!settings.clientId) throw new UserError('not_configured', t('err_not_configured'));
  const serverKey = serverKeyOf(settings);
  if (!got.account) {
    // Data written before accounts were recorded is this server's.
    await store.set({ account: accountOf(settings) });
  } else if (serverKeyOf(got.account) !== serverKey) {
    // Settings written around saveSettings: the data stays with its account.
    dropClient();
    await store.remove(['tokens', ...ACCOUNT_CACHES, ...SERVER_CACHES]);
    await switchAccountLocked(got.account, accountOf(settings), { auth: { status: 'signed_out' } });
    switched.at = true;
    throw signedOutError();
  }
  return clientFor(settings, got, needTokens);
}

// The client of `settings`, with the stored tokens when they are needed. Under the lock.
function clientFor(settings, got, needTokens) {
  const key = JSON.stringify([settings.baseUrl, settings.clientId, settings.clientSecret || '']);
  if (!cached || cached.key !== key) {
    dropClient();
    const owner = { client: null };
    // What this server speaks (learned by the core, see src/dialect.rs), kept per server.
    const serverKey = serverKeyOf(settings);
    const { dialect } = got;
    owner.client = new TymeClient({
      baseUrl: settings.baseUrl.replace(/\/+$/, ''),
      clientId: settings.clientId,
      clientSecret: settings.clientSecret || undefined,
      redirectUri: redirectUri(),
      onTokens: onTokensOf(owner),
      dialect: dialect && dialect.server === serverKey ? dialect.known : null,
      onDialect: (known) => {
        if (cached && cached.client === owner.client) store.set({ dialect: { server: serverKey, known } }).catch(() => {});
      },
    });
    cached = { key, client: owner.client };
    adoptAccount(owner.client);
  }
  if (needTokens) {
    if (!got.tokens) {
      // Signed out: a client still holding tokens storage no longer has is
      // retired. One without tokens stays: it may be a sign-in's, waiting on
      // the sign-in page while a flush or an alarm asks for a client.
      if (cached.client.getTokens()) dropClient();
      throw signedOutError();
    }
    if (!cached.client.getTokens()) cached.client.setTokens(got.tokens);
  }
  return cached.client;
}

// The server's dialect, as the core learned it ({}: nothing known yet).
export async function serverDialect() {
  const settings = await getSettings();
  const { dialect } = await store.get('dialect');
  return dialectOf(dialect, settings);
}

/** What the stored `dialect` tells of the server of `settings` ({}: nothing). */
export function dialectOf(dialect, settings) {
  return dialect && dialect.server === serverKeyOf(settings) ? dialect.known || {} : {};
}
