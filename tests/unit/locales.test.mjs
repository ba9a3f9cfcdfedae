// The extension's languages (extension/_locales): English and German hold the
// same keys with the same placeholders, every key the code names exists, and
// no user-visible text in extension/ bypasses them: every text of its HTML
// sits in an element naming a key (data-i18n; <code> excepted: identifiers
// and addresses), every placeholder, title and aria-label likewise, and no
// JavaScript string that reads as a sentence is shown without t().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const EXT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'extension');
const locale = (lang) => JSON.parse(fs.readFileSync(path.join(EXT, '_locales', lang, 'messages.json'), 'utf8'));
const en = locale('en');
const de = locale('de');
const placeholders = (m) => [...m.matchAll(/\$(\d)/g)].map((x) => x[1]).sort().join(',');

function files(dir, ext) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!['pkg', '_locales', 'icons'].includes(e.name)) out.push(...files(p, ext)); } else if (p.endsWith(ext)) out.push(p);
  }
  return out;
}
const rel = (p) => path.relative(EXT, p);

test('English and German hold the same keys, each with the same placeholders, none empty', () => {
  assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort(), 'a key in one locale only');
  for (const [k, v] of Object.entries(en)) {
    assert.ok(v.message && de[k].message, `${k}: empty message`);
    assert.equal(placeholders(de[k].message), placeholders(v.message), `${k}: placeholders differ`);
  }
  assert.equal(en.lang.message, 'en');
  assert.equal(de.lang.message, 'de');
});

test('every key the extension names exists', () => {
  const used = new Set();
  for (const f of files(EXT, '.html')) for (const m of fs.readFileSync(f, 'utf8').matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) used.add(m[1]);
  for (const f of files(EXT, '.js')) for (const m of fs.readFileSync(f, 'utf8').matchAll(/\b(?:t|getMessage)\(\s*'([a-z0-9_]+)'/g)) used.add(m[1]);
  for (const m of fs.readFileSync(path.join(EXT, 'manifest.json'), 'utf8').matchAll(/__MSG_([a-z0-9_]+)__/g)) used.add(m[1]);
  assert.ok(used.size > 50, `keys found: ${used.size}`);
  const missing = [...used].filter((k) => !en[k]);
  assert.deepEqual(missing, [], 'keys used but not in _locales/en');
});

// A small HTML walk: text and attributes with letters, and the element that holds them.
const VOID = new Set(['input', 'img', 'br', 'meta', 'link', 'hr', 'source']);
function untranslated(html) {
  const bad = [];
  const stack = [];
  const tok = /<!--[\s\S]*?-->|<!doctype[^>]*>|<(\/?)([a-zA-Z0-9]+)((?:[^>"']|"[^"]*"|'[^']*')*)>|([^<]+)/gi;
  for (const m of html.matchAll(tok)) {
    if (m[2]) {
      const name = m[2].toLowerCase();
      if (m[1]) { while (stack.length && stack.pop().name !== name); continue; }
      const attrs = Object.fromEntries([...m[3].matchAll(/([a-zA-Z0-9-]+)(?:="([^"]*)")?/g)].map((a) => [a[1].toLowerCase(), a[2] ?? '']));
      for (const a of ['placeholder', 'title', 'aria-label']) {
        if (/\p{L}/u.test(attrs[a] || '') && !/^https?:/.test(attrs[a]) && !attrs[`data-i18n-${a}`]) bad.push(`${name} ${a}="${attrs[a]}"`);
      }
      if (!VOID.has(name) && !m[3].trim().endsWith('/')) stack.push({ name, attrs });
    } else if (m[4] && /\p{L}/u.test(m[4])) {
      const parent = stack[stack.length - 1];
      if (!parent || ['style', 'script', 'code'].includes(parent.name)) continue;
      if (parent.attrs['data-i18n'] === undefined) bad.push(`<${parent.name}> "${m[4].trim().slice(0, 60)}"`);
    }
  }
  return bad;
}

test('the HTML pages show no text that is not a message key', () => {
  for (const f of files(EXT, '.html')) assert.deepEqual(untranslated(fs.readFileSync(f, 'utf8')), [], rel(f));
});

test('the check notices untranslated HTML (its own control)', () => {
  assert.deepEqual(untranslated('<p data-i18n="x">Hi</p><code>id</code>'), []);
  assert.equal(untranslated('<p>Hello there</p>').length, 1);
  assert.equal(untranslated('<input placeholder="Type here">').length, 1);
  assert.equal(untranslated('<p><span data-i18n="a">A</span> and more</p>').length, 1);
});

// Sentences in JavaScript: a string literal starting with a capital word
// followed by lower-case words ("Pick a task first."), outside t() and
// comments. Strings that are not shown (identifiers, log lines, errors of
// the code itself) do not read like that.
function sentences(src) {
  const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const out = [];
  for (const m of code.matchAll(/(['"`])((?:\\.|(?!\1)[^\\\n])*)\1/g)) {
    const s = m[2];
    if (/^[A-Z][a-z]+,? [a-z]+[ a-z]/.test(s) || /[a-z] [a-z]+[.!?]$/.test(s)) out.push(s.slice(0, 70));
  }
  return out;
}

// extension/shared/ is the web console's too (English only): its rules answer
// an English message for the console and the message key the extension shows.
test('no sentence in the extension\'s JavaScript bypasses the messages', () => {
  for (const f of files(EXT, '.js')) {
    // build/ holds the bundles of these same sources (shared/ included).
    if (rel(f).startsWith(`shared${path.sep}`) || rel(f).startsWith(`build${path.sep}`)) continue;
    assert.deepEqual(sentences(fs.readFileSync(f, 'utf8')), [], rel(f));
  }
});

test('every refusal of the shared rules names a message key', () => {
  for (const f of ['rules.js', 'entities.js']) {
    const src = fs.readFileSync(path.join(EXT, 'shared', f), 'utf8');
    const refusals = [...src.matchAll(/error: (?!null)[^,}]+/g)].length;
    const keyed = [...src.matchAll(/\bkey: '([a-z0-9_]+)'|needsKey: '([a-z0-9_]+)'/g)];
    assert.ok(refusals > 0 && keyed.length >= refusals, `${f}: ${refusals} refusals, ${keyed.length} keys`);
    for (const k of keyed) assert.ok(en[k[1] || k[2]], `${f}: ${k[1] || k[2]} not in _locales/en`);
  }
});

test('the sentence check notices a shown sentence (its own control)', () => {
  assert.deepEqual(sentences("el.textContent = t('pick');"), []);
  assert.equal(sentences("throw new UserError('x', 'Pick a task first.');").length, 1);
  assert.equal(sentences('say(`Saved for ${x} now.`)').length, 1);
});
