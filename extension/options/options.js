// Options: settings, sign-in and sign-out through the service worker.
import { send, DEFAULT_BASE_URL } from '../common.js';

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
  $('redirect-uri').textContent = s.redirectUri;
  $('auth-status').textContent = s.signedIn ? 'signed in'
    : s.auth && s.auth.status === 'reauth' ? 'signed out — sign in again' : 'signed out';
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
  $('scrub-effect').textContent = typed.trim() !== savedScrub.trim() ? '(with the list as typed, not saved yet)' : '';
}

async function loadRules() {
  const res = await send('scrubRules');
  if (res.ok) $('builtin-rules').textContent = res.data.join(' ');
}

// Ask for the optional host permission of a non-default API base. Sign-in does
// not wait for the answer: servers that send CORS headers work without it, and
// a prompt may never be answered.
function requestHostPermission(baseUrl) {
  try {
    const u = new URL(baseUrl);
    if (u.host === 'api.tyme-app.com') return;
    chrome.permissions.request({ origins: [`${u.protocol}//${u.hostname}/*`] }).catch(() => {});
  } catch { /* invalid URL: saveSettings reports it */ }
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
  };
  if (secret || removeSecret) payload.clientSecret = secret;
  const res = await send('saveSettings', payload);
  if (!res.ok) { say(res.error.message, true); return false; }
  $('client-secret').value = '';
  return true;
}

$('save').addEventListener('click', async () => {
  requestHostPermission($('base-url').value || DEFAULT_BASE_URL);
  const before = await send('getState');
  if (await save()) {
    await load();
    const after = await send('getState');
    // Another server or client id: signed out, and a secret is for the old one.
    const lostSecret = before.ok && after.ok && before.data.settings.hasClientSecret && !after.data.settings.hasClientSecret;
    say(lostSecret ? 'Saved. The client secret was for the other server: enter it again if Tyme gave you one for this one.' : 'Saved.');
  }
});
$('scrub').addEventListener('input', preview);
$('preview-url').addEventListener('input', preview);
$('remove-secret').addEventListener('click', async () => {
  if (await save({ removeSecret: true })) { await load(); say('Client secret removed.'); }
});
$('sign-in').addEventListener('click', async () => {
  requestHostPermission($('base-url').value || DEFAULT_BASE_URL);
  if (!(await save())) return;
  say('Signing in…');
  const res = await send('signIn', { interactive: true });
  // The status first, then the message: a page (or test) that sees the message sees the new status.
  await load();
  if (res.ok) say('Signed in.'); else say(res.error.message, true);
});
$('sign-out').addEventListener('click', async () => {
  const res = await send('signOut');
  await load();
  say(res.ok ? 'Signed out.' : res.error.message, !res.ok);
});
load();
loadRules();
