// Sign-in (OAuth through the browser's identity API, PKCE by the core) and sign-out.
import { t } from '../i18n.js';
import { TymeClient, outboxSize, outboxResume } from '../pkg/tyme_tab.js';
import { DEFAULT_BASE_URL } from '../shared/rules.js';
import { store, locked } from './storage.js';
import { UserError } from './errors.js';
import { getClient, dropClient, current, adoptAccount } from './auth.js';
import { accountOf, accountKeyOf, switchAccountLocked, afterSwitch, ACCOUNT_CACHES } from './accounts.js';
import { flush, mutateOutbox } from './outbox.js';
import { readOutbox } from './journal.js';
import { warmCaches } from './catalog.js';
import { ALARM_SYNC } from './alarms.js';

export async function signIn({ interactive = true } = {}) {
  dropClient();
  const client = await getClient({ needTokens: false });
  const { url, state, verifier } = client.beginSignIn();
  let redirect;
  try {
    redirect = await chrome.identity.launchWebAuthFlow({ url, interactive: !!interactive });
  } catch (e) {
    throw new UserError('access_denied', t('err_sign_in_cancelled'));
  }
  const code = TymeClient.parseRedirect(redirect, state);
  await client.exchangeCode(code, verifier); // onTokens stores the pair
  const userId = (client.getDialect() || {}).userId || null;
  let switched = false;
  await locked(async () => {
    // The settings changed while the sign-in page was open: its tokens were not kept.
    if (!current(client)) throw new UserError('signed_out', t('err_account_changed'));
    const { account, settings } = await store.get(['account', 'settings']);
    const here = accountOf({ baseUrl: DEFAULT_BASE_URL, ...(settings || {}) });
    const was = account || here;
    if (userId && was.userId && was.userId !== userId) {
      // Another member of the same server: the previous member's data waits for them.
      await store.remove([...ACCOUNT_CACHES]);
      await switchAccountLocked(was, accountOf(here, userId));
      adoptAccount(client); // the same server's client now serves this member
      switched = true;
    } else if (userId && !was.userId) {
      // The member is known now: data this member left here before comes back,
      // when nothing of the account waits here yet.
      const { parked } = await store.get(['parked']);
      if (parked && parked[accountKeyOf(accountOf(here, userId))] && !outboxSize((await readOutbox()).state)) {
        await switchAccountLocked(null, accountOf(here, userId));
        adoptAccount(client);
        switched = true;
      } else {
        await store.set({ account: accountOf(here, userId) });
      }
    }
    await store.set({ auth: { status: 'signed_in' }, outboxError: null });
  });
  if (switched) await afterSwitch();
  await mutateOutbox((s) => outboxResume(s, Date.now()));
  flush().catch(() => {});
  warmCaches({ fresh: true });
  return { signedIn: true };
}

export async function signOut() {
  await locked(async () => {
    dropClient();
    await store.remove(['tokens', ...ACCOUNT_CACHES]);
    await store.set({ auth: { status: 'signed_out' } });
  });
  await chrome.alarms.clear(ALARM_SYNC);
  return { signedIn: false };
}
