// Messages in the browser's language (extension/_locales/<lang>/messages.json,
// English by default). t(key, ...values) fills $1… placeholders; a key
// without a message returns the key itself, so a missing one shows (and the
// locale test in tests/unit fails on it). localize(root) sets the text and
// the placeholder, title and aria-label attributes of elements that name a
// key in data-i18n, data-i18n-placeholder, data-i18n-title, data-i18n-aria-label.
const api = globalThis.browser && globalThis.browser.i18n ? globalThis.browser : globalThis.chrome;

export function t(key, ...values) {
  const subs = values.map((v) => String(v));
  return api.i18n.getMessage(key, subs.length ? subs : undefined) || key;
}

const ATTRS = [['i18nPlaceholder', 'placeholder'], ['i18nTitle', 'title'], ['i18nAriaLabel', 'aria-label']];

export function localize(root = document) {
  for (const e of root.querySelectorAll('[data-i18n], [data-i18n-placeholder], [data-i18n-title], [data-i18n-aria-label]')) {
    if (e.dataset.i18n) e.textContent = t(e.dataset.i18n);
    for (const [data, attr] of ATTRS) if (e.dataset[data]) e.setAttribute(attr, t(e.dataset[data]));
  }
  if (root.documentElement) root.documentElement.lang = t('lang');
}
