// Options: settings, sign-in and sign-out through the service worker.
import { send, DEFAULT_BASE_URL } from '../common.js';
import { requestApiHost, hostRefusedMessage } from '../browser.js';
import { showShortcuts, loadSiteRules } from './more.js';
import { t, localize } from '../i18n.js';

localize();

const $ = (id) => document.getElementById(id);

function say(text, isError = false) {
  $('message').textContent = text;
  $('message').className = isError ? 'error' : '';
}

async function load() {
  const res = await send('getState');
  if (!res.ok) { say(res.error.message, true); return; }
  const s = res.data;
  $('client-id').value = s.settings.clientId || '';
  $('client-secret').placeholder = s.settings.hasClientSecret ? '(stored)' : '';
  $('remove-secret').hidden = !s.settings.hasClientSecret;
  $('base-url').value = s.settings.baseUrl || DEFAULT_BASE_URL;
  $('scrub').value = (s.settings.scrubParams || []).join(' ');
  savedScrub = $('scrub').value;
  preview();
  $('allow-incognito').checked = !!s.settings.allowIncognito;
  $('idle-minutes').value = String(s.settings.idleMinutes ?? 10);
  $('redirect-uri').textContent = chrome.identity.getRedirectURL();
  $('auth-status').textContent = s.signedIn ? t('status_signed_in')
    : s.auth && s.auth.status === 'reauth' ? t('status_reauth') : t('status_signed_out');
}

// The scrub list as typed: what a page's note would be with it, shown as it
// is typed, before anything is saved.
let savedScrub = '';
let previewRun = 0;
async function preview() {
  const run = ++previewRun;
  const url = $('preview-url').value.trim();
  const typed = $('scrub').value;
  const res = url ? await send('previewNote', { url, title: '', scrubParams: typed }) : null;
  if (run !== previewRun) return; // a later keystroke answers
  $('preview').textContent = !res ? '' : res.ok ? (res.data.note || res.data.error || '') : res.error.message;
  $('scrub-effect').textContent = typed.trim() !== savedScrub.trim() ? t('opt_preview_unsaved') : '';
}

async function loadRules() {
  const res = await send('scrubRules');
  if (res.ok) $('builtin-rules').textContent = res.data.join(' ');
}

// removeSecret: send an empty secret, which removes the stored one (an
// absent secret keeps it).
async function save({ removeSecret = false } = {}) {
  const secret = removeSecret ? '' : $('client-secret').value;
  const payload = {
    clientId: $('client-id').value,
    baseUrl: $('base-url').value || DEFAULT_BASE_URL,
    scrubParams: $('scrub').value.trim() ? $('scrub').value : null,
    allowIncognito: $('allow-incognito').checked,
    idleMinutes: Number($('idle-minutes').value),
  };
  if (secret || removeSecret) payload.clientSecret = secret;
  const res = await send('saveSettings', payload);
  if (!res.ok) { say(res.error.message, true); return false; }
  $('client-secret').value = '';
  return true;
}

// Host access is asked for from the click, before anything is awaited (see
// browser.js); Save does not wait for the answer, sign-in does where it matters.
$('save').addEventListener('click', async () => {
  requestApiHost($('base-url').value || DEFAULT_BASE_URL).catch(() => {});
  const before = await send('getState');
  if (await save()) {
    await load();
    const after = await send('getState');
    // Another server or client id: signed out, and a secret is for the old one.
    const lostSecret = before.ok && after.ok && before.data.settings.hasClientSecret && !after.data.settings.hasClientSecret;
    say(lostSecret ? t('opt_saved_secret_lost') : t('opt_saved'));
  }
});
$('scrub').addEventListener('input', preview);
$('preview-url').addEventListener('input', preview);
$('remove-secret').addEventListener('click', async () => {
  if (await save({ removeSecret: true })) { await load(); say(t('opt_secret_removed')); }
});
$('sign-in').addEventListener('click', async () => {
  const baseUrl = $('base-url').value || DEFAULT_BASE_URL;
  const access = requestApiHost(baseUrl);
  if ((await access) === false) { say(hostRefusedMessage(baseUrl), true); return; }
  if (!(await save())) return;
  say(t('signing_in'));
  const res = await send('signIn', { interactive: true });
  // The status first, then the message: a page (or test) that sees the message sees the new status.
  await load();
  if (res.ok) say(t('opt_signed_in')); else say(res.error.message, true);
});
$('sign-out').addEventListener('click', async () => {
  const res = await send('signOut');
  await load();
  say(res.ok ? t('opt_signed_out') : res.error.message, !res.ok);
});
load();
loadRules();
showShortcuts();
loadSiteRules();
