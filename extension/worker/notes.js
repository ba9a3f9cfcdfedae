// The note of a tracked page, always from the core's scrubber (src/note.rs)
// with the user's scrub entries added to its built-in list.
import { makeNote, scrubUrl } from '../pkg/tyme_tab.js';
import { wasmReady } from './wasm.js';
import { getSettings } from './storage.js';

// The stored settings, once the wasm (which makes every note) is ready.
async function readySettings() {
  const settings = await getSettings();
  await wasmReady();
  return settings;
}
const noteOptionsOf = (settings, extra = {}) => ({ ...(settings && Array.isArray(settings.scrubParams) ? { scrubParams: settings.scrubParams } : {}), ...extra });

// The note of a page: its URL scrubbed, and its title when that is not the
// URL; `page.link`: the title is that of the page a link is on (Track this
// link), dropped when it is a URL. No URL, no note: a title alone is not
// checked against anything.
export async function noteFor(page) {
  if (!page || !page.url) return '';
  return noteWith(page, await readySettings());
}
/** The same with the stored `settings` already read (the wasm ready). */
export function noteWith(page, settings) {
  if (!page || !page.url) return '';
  return makeNote(String(page.url), String(page.title || ''), noteOptionsOf(settings, page.link ? { dropUrlTitle: true } : {}));
}

// What a page waiting for a task keeps: its URL scrubbed and the title the
// note would carry (both pass through makeNote unchanged later).
export async function scrubbedPage(page) {
  const opts = noteOptionsOf(await readySettings(), page.link ? { dropUrlTitle: true } : {});
  const url = scrubUrl(String(page.url), opts.scrubParams);
  const note = makeNote(String(page.url), String(page.title || ''), opts);
  const tail = ` — ${url}`;
  return { url, title: note.endsWith(tail) ? note.slice(0, -tail.length) : '', incognito: !!page.incognito };
}

/** The options page's preview: the note a scrub list not yet saved would make. */
export function previewNote(p) {
  return makeNote(String(p.url || ''), String(p.title || ''), { scrubParams: scrubList(p.scrubParams) || [] });
}

/** A scrub list as typed (spaces or commas between entries), or null for none. */
export function scrubList(raw) {
  if (raw == null) return null;
  return (Array.isArray(raw) ? raw : String(raw).split(/[\s,]+/)).map((s) => String(s).trim()).filter(Boolean);
}
