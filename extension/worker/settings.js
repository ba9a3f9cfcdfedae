// The options' settings. A change of server or client id is a change of
// account (accounts.js).
import { checkBaseUrl, DEFAULT_BASE_URL } from '../shared/rules.js';
import { store, locked, getSettings } from './storage.js';
import { UserError, refusal } from './errors.js';
import { idleMinutesOf, IDLE_MAX_MIN } from '../idle.js';
import { t } from '../i18n.js';
import { applyIdleSetting } from './idle.js';
import { dropClient } from './auth.js';
import { scrubList } from './notes.js';
import { accountOf, switchAccountLocked, afterSwitch, ACCOUNT_CACHES, SERVER_CACHES } from './accounts.js';

export function publicSettings(s) {
  return { clientId: s.clientId, hasClientSecret: !!s.clientSecret, baseUrl: s.baseUrl, scrubParams: s.scrubParams, allowIncognito: s.allowIncognito, idleMinutes: idleMinutesOf(s) };
}

export async function saveSettings(p) {
  const checked = checkBaseUrl(p.baseUrl || DEFAULT_BASE_URL);
  if (checked.error) throw refusal(checked);
  const baseUrl = checked.value;
  const idle = p.idleMinutes === undefined ? null : Number(p.idleMinutes);
  if (idle !== null && !(Number.isInteger(idle) && idle >= 0 && idle <= IDLE_MAX_MIN)) {
    throw new UserError('invalid_input', t('err_idle_minutes', IDLE_MAX_MIN));
  }
  const scrub = scrubList(p.scrubParams);
  // A change of server or client id is a change of account: signed out
  // first, under the lock getClient takes, the tokens removed before the new
  // settings are written; the old account's data parked. The secret belongs
  // to the old server: cleared unless a new one comes with the change.
  let changed = false;
  const settings = await locked(async () => {
    const now = await getSettings();
    const clientId = String(p.clientId ?? now.clientId).trim();
    changed = baseUrl !== now.baseUrl || clientId !== now.clientId;
    const keep = changed ? '' : now.clientSecret;
    const next = {
      clientId, clientSecret: p.clientSecret === undefined ? keep : String(p.clientSecret || ''),
      baseUrl, scrubParams: p.scrubParams === undefined ? now.scrubParams : scrub, allowIncognito: !!(p.allowIncognito ?? now.allowIncognito),
      idleMinutes: idle === null ? idleMinutesOf(now) : idle,
    };
    if (!changed) { await store.set({ settings: next }); return next; }
    dropClient();
    await store.remove(['tokens', ...ACCOUNT_CACHES, ...SERVER_CACHES]);
    const { account } = await store.get('account');
    await switchAccountLocked(account || accountOf(now), accountOf(next), { settings: next, auth: { status: 'signed_out' } });
    return next;
  });
  if (changed) await afterSwitch();
  await applyIdleSetting();
  return publicSettings(settings);
}
