// Shared by the popup and the options page: the one message protocol
// ({type, payload} → {ok, data} | {ok:false, error:{code, message}}) and formatting.
export async function send(type, payload = {}) {
  let res;
  try {
    res = await chrome.runtime.sendMessage({ type, payload });
  } catch (e) {
    return { ok: false, error: { code: 'internal', message: 'The extension is restarting, try again.' } };
  }
  return res || { ok: false, error: { code: 'internal', message: 'No answer from the extension.' } };
}

export function hms(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function hm(seconds) {
  const m = Math.max(0, Math.floor(seconds / 60));
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

// Text only: never parse data as HTML.
export function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text != null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
