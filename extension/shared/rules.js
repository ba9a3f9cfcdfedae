// Input rules shared by the extension and the web console (copied to
// www/shared/ by the build). Each answers the value to use and, when the
// input is refused, the message to show (English, as the web console shows
// it) and its key in extension/_locales (`key`, `args`: what the extension
// shows); none needs the wasm core.

// The Tyme API used unless the settings name another base URL.
export const DEFAULT_BASE_URL = 'https://api.tyme-app.com';
// Names of projects, tasks, sub-tasks and categories.
export const MAX_NAME = 255;
// A note typed by the user (the core cuts a page's note at 1,000 characters).
export const MAX_NOTE = 2000;
// A project's rounding: 0 minutes means no rounding (src/model/rounding.rs).
export const ROUNDING_METHODS = ['DOWN', 'NEAREST', 'UP'];
export const ROUNDING_MINUTES = { min: 0, max: 1440 };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The API base URL as typed → { value, error }: trimmed, without trailing
 * slashes; https, or http for this machine only (127.0.0.1, localhost,
 * [::1]); no query or fragment. error is null when it is usable.
 */
export function checkBaseUrl(raw) {
  const value = String(raw ?? '').trim().replace(/\/+$/, '');
  let u;
  try { u = new URL(value); } catch { return { value, error: 'The API base URL is not a valid URL.', key: 'err_base_url' }; }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname))) {
    return { value, error: 'The API base URL must use https (http only for 127.0.0.1 or localhost).', key: 'err_base_url_https' };
  }
  if (u.search || u.hash || value.includes('?') || value.includes('#')) {
    return { value, error: 'The API base URL must not have a query or fragment.', key: 'err_base_url_query' };
  }
  return { value, error: null };
}

/** A name as typed → { value, error }. */
export function checkName(raw) {
  const value = String(raw ?? '').trim();
  if (!value) return { value, error: 'Enter a name.', key: 'err_name_needed' };
  if (value.length > MAX_NAME) return { value, error: `At most ${MAX_NAME} characters.`, key: 'err_too_long', args: [MAX_NAME] };
  return { value, error: null };
}

/** A note as typed → { value, error }. */
export function checkNote(raw) {
  const value = String(raw ?? '');
  return value.length > MAX_NOTE ? { value, error: `At most ${MAX_NOTE} characters.`, key: 'err_too_long', args: [MAX_NOTE] } : { value, error: null };
}
