// One API surface for Chromium and Firefox. Both run this extension through
// the `chrome` namespace with promises (Firefox's Manifest V3 returns
// promises there as well, checked by tests/firefox/), so the code keeps
// `chrome.*`; `api` is the same object under its Firefox name where a
// caller prefers it. What differs is behaviour, kept here: Firefox lets the
// user withhold or revoke host access (about:addons → Permissions), so
// sign-in asks for the API host from the user's click and waits for the answer.
export const api = globalThis.browser ?? globalThis.chrome;

export const isFirefox = api.runtime.getURL('').startsWith('moz-extension:');

// The host the manifest names (host_permissions), granted at install in Chromium.
const MANIFEST_HOST = 'api.tyme-app.com';

function originsOf(baseUrl) {
  const u = new URL(baseUrl);
  return [`${u.protocol}//${u.hostname}/*`];
}

/**
 * Ask for access to the API host of `baseUrl`. Call it from a click handler
 * before its first `await`: Firefox honours permissions.request only while it
 * handles the user's input. Resolves to true (granted, or held already), false
 * (refused: show hostRefusedMessage) or null (not waited for).
 *
 * Chromium: its manifest host is granted at install; another host (a proxy,
 * the sandbox) is asked for without waiting, as a server that sends CORS
 * headers works without it, and a headless prompt is never answered.
 */
export function requestApiHost(baseUrl) {
  let origins;
  try { origins = originsOf(baseUrl); } catch { return Promise.resolve(null); } // saveSettings reports the URL
  if (!isFirefox) {
    if (new URL(baseUrl).host !== MANIFEST_HOST) api.permissions.request({ origins }).catch(() => {});
    return Promise.resolve(null);
  }
  return api.permissions.request({ origins }).then((granted) => !!granted, () => false);
}

export function hostRefusedMessage(baseUrl) {
  let host = baseUrl;
  try { host = new URL(baseUrl).hostname; } catch { /* shown as typed */ }
  return api.i18n.getMessage('host_refused', [host]);
}
