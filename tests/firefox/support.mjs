// Drive Debian's firefox-esr, headless, through geckodriver (WebDriver, from
// npm's selenium-webdriver) with the Firefox build of Tyme Tab installed as a
// temporary add-on. Used by tests/firefox/ and `make run BROWSER=firefox`.
//
// The add-on's internal UUID is fixed through the profile preference
// `extensions.webextensions.uuids`, so its pages are at a known
// moz-extension://<uuid>/ address. A test talks to the background page the
// way the popup does (runtime messages from an extension page in a tab).
// What a user does in the browser's own interface (answering the permission
// prompt, choosing a context-menu item) and stopping the background page run
// in Marionette's chrome context, which geckodriver allows with
// --allow-system-access. The add-on tested is the package's files, unpacked:
// no test hook is needed, the context menu is clicked for real.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import firefox from 'selenium-webdriver/firefox.js';
import { GECKO_ID } from '../../scripts/build-dist.mjs';
import { waitFor } from '../support/wait.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
// geckodriver as `cargo install` puts it (make deps-firefox), or on the PATH.
export const GECKODRIVER = process.env.GECKODRIVER || [
  path.join(process.env.CARGO_HOME || path.join(os.homedir(), '.cargo'), 'bin', 'geckodriver'),
  ...(process.env.PATH || '').split(path.delimiter).map((d) => path.join(d, 'geckodriver')),
].find((p) => fs.existsSync(p)) || 'geckodriver (not found)';
// The Firefox package's files, unpacked (make test-firefox writes it).
export const FF_EXT_DIR = process.env.TYME_TAB_FIREFOX_EXTENSION
  ? path.resolve(process.env.TYME_TAB_FIREFOX_EXTENSION) : path.join(ROOT, 'out', 'firefox-test');
export { GECKO_ID };
// Any UUID: the profile pins it for the add-on id.
export const ADDON_UUID = '6f1c3c1e-5a7b-4d2e-9c1f-7a7e2b3d4c5e';
export const BASE = `moz-extension://${ADDON_UUID}`;
// Firefox's identity.getRedirectURL(): the SHA-1 of the add-on id, hex.
export const REDIRECT_URI = `https://${crypto.createHash('sha1').update(GECKO_ID).digest('hex')}.extensions.allizom.org/`;

/** Build the unpacked Firefox test tree when it is missing or older than its sources. */
export function ensureBuilt(dir = FF_EXT_DIR) {
  if (process.env.TYME_TAB_FIREFOX_EXTENSION) return;
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-dist.mjs'), '--unpacked', 'firefox', '--out', dir], { stdio: 'pipe' });
}

const PREFS = {
  // The add-on's pages at a fixed address.
  'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: ADDON_UUID }),
  // No first-run pages, update checks or telemetry on a machine without the internet.
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'app.update.disabledForTesting': true,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.update.enabled': false,
  'services.settings.server': 'http://127.0.0.1:9/',
};

/**
 * Launch headless Firefox with the add-on installed temporarily.
 * prefs: extra profile preferences, e.g. { 'extensions.webextOptionalPermissionPrompts': false }
 * (permissions.request then grants without a prompt, as a user clicking Allow would).
 */
export async function launchFirefox({ addon = FF_EXT_DIR, prefs = {}, headless = true } = {}) {
  if (!fs.existsSync(GECKODRIVER)) throw new Error('geckodriver is missing: run `make deps-firefox`');
  if (!fs.existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: run \`make deps-firefox\``);
  if (addon === FF_EXT_DIR) ensureBuilt(addon);
  const options = new firefox.Options().setBinary(FIREFOX);
  if (headless) options.addArguments('-headless');
  for (const [k, v] of Object.entries({ ...PREFS, ...prefs })) options.setPreference(k, v);
  const service = new firefox.ServiceBuilder(GECKODRIVER).addArguments('--allow-system-access').build();
  const driver = await firefox.Driver.createSession(options, service);
  const closers = [];
  try {
    await driver.manage().setTimeouts({ script: 30000, pageLoad: 30000 });
    const id = await driver.installAddon(addon, true);
    if (id !== GECKO_ID) throw new Error(`unexpected add-on id ${id}`);
  } catch (e) {
    await driver.quit().catch(() => {});
    throw e;
  }
  const firstTab = await driver.getWindowHandle();
  let helper = null;

  const ff = {
    driver, base: BASE, redirectUri: REDIRECT_URI,
    /** Switch to the helper tab (an extension page), opening it the first time. */
    async helper() {
      const handles = await driver.getAllWindowHandles();
      if (!helper || !handles.includes(helper)) {
        await driver.switchTo().window(handles.includes(firstTab) ? firstTab : handles[0]);
        await driver.get(`${BASE}/options/options.html`);
        helper = await driver.getWindowHandle();
      } else {
        await driver.switchTo().window(helper);
      }
      return helper;
    },
    /**
     * Run an async function (source or function) in the helper extension
     * page with `args`; the tab that was current before is current again after.
     */
    async inPage(fnSource, ...args) {
      const before = await driver.getWindowHandle().catch(() => null);
      await ff.helper();
      const res = await driver.executeAsyncScript(`
        const done = arguments[arguments.length - 1];
        const args = Array.from(arguments).slice(0, -1);
        Promise.resolve().then(() => (${fnSource})(...args))
          .then((value) => done({ value: value === undefined ? null : value }), (e) => done({ error: String(e && e.message || e) }));
      `, ...args);
      if (before && before !== helper && (await driver.getAllWindowHandles()).includes(before)) await driver.switchTo().window(before);
      if (res && res.error !== undefined) throw new Error(res.error);
      return res.value;
    },
    /** The message protocol from an extension page: {ok, data} | {ok:false, error}. */
    send(type, payload = {}) {
      return ff.inPage('(t, p) => browser.runtime.sendMessage({ type: t, payload: p })', type, payload);
    },
    storage(keys = null) {
      return ff.inPage('(k) => browser.storage.local.get(k)', keys);
    },
    setStorage(obj) {
      return ff.inPage('(o) => browser.storage.local.set(o)', obj);
    },
    /** Open an extension page (or any URL) in a new tab and return its handle. */
    async openTab(url) {
      await driver.switchTo().newWindow('tab');
      await driver.get(url);
      return driver.getWindowHandle();
    },
    async openPopup(query = '') {
      const h = await ff.openTab(`${BASE}/popup/popup.html${query}`);
      await ff.waitFor(async () => (await driver.executeScript('return document.body.dataset.ready')) === '1', { what: 'popup ready' });
      return h;
    },
    /** Run a script in the browser's own (chrome) context. */
    async inChrome(fnSource, ...args) {
      await driver.setContext(firefox.Context.CHROME);
      try {
        const res = await driver.executeAsyncScript(`
          const done = arguments[arguments.length - 1];
          const args = Array.from(arguments).slice(0, -1);
          Promise.resolve().then(() => (${fnSource})(...args))
            .then((value) => done({ value: value === undefined ? null : value }), (e) => done({ error: String(e && e.message || e) }));
        `, ...args);
        if (res && res.error !== undefined) throw new Error(res.error);
        return res.value;
      } finally {
        await driver.setContext(firefox.Context.CONTENT);
      }
    },
    /**
     * Stop the background page the way Firefox suspends an idle one (what
     * about:debugging's "Terminate background script" does); resolves when it
     * is gone. The next event or message starts it again.
     */
    stopBackground() {
      return ff.inChrome(`async (id) => {
        const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
        const ext = ExtensionParent.GlobalManager.getExtension(id);
        await ext.terminateBackground({ disableResetIdleForTest: true });
        return ext.backgroundState;
      }`, GECKO_ID);
    },
    backgroundState() {
      return ff.inChrome(`async (id) => {
        const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
        return ExtensionParent.GlobalManager.getExtension(id).backgroundState;
      }`, GECKO_ID);
    },
    /**
     * Answer Firefox's permission prompt (the doorhanger permissions.request
     * shows) as a user would: its Allow or Deny button. Waits for the prompt.
     */
    async answerPermissionPrompt(allow) {
      await ff.waitFor(() => ff.inChrome(`async () => {
        const win = Services.wm.getMostRecentWindow('navigator:browser');
        const el = win.PopupNotifications.panel.querySelector('#addon-webext-permissions-notification');
        return !!(el && win.PopupNotifications.getNotification('addon-webext-permissions'));
      }`), { what: 'the permission prompt' });
      const text = await ff.inChrome(`async (allow) => {
        const win = Services.wm.getMostRecentWindow('navigator:browser');
        const el = win.PopupNotifications.panel.querySelector('#addon-webext-permissions-notification');
        const text = el.textContent;
        (allow ? el.button : el.secondaryButton).click();
        return text;
      }`, !!allow);
      return text;
    },
    /**
     * Right-click `element` (a WebElement of the current tab) and choose the
     * context-menu item labelled `label`: the menu Firefox builds, with the
     * items the add-on registered, clicked as a user would.
     */
    async contextMenu(element, label) {
      await driver.actions().contextClick(element).perform();
      const chose = await ff.waitFor(() => ff.inChrome(`async (label) => {
        const win = Services.wm.getMostRecentWindow('navigator:browser');
        const menu = win.document.getElementById('contentAreaContextMenu');
        if (menu.state !== 'open') return null;
        const item = [...menu.querySelectorAll('menuitem')].find((i) => !i.hidden && i.label === label);
        if (!item) return null;
        menu.activateItem(item);
        return item.label;
      }`, label), { what: `context-menu item "${label}"` });
      return chose;
    },
    /** The element's text in the current tab, once it matches `re`. */
    async textOf(css, re = /\S/) {
      return ff.waitFor(async () => {
        const t = await driver.executeScript('const e = document.querySelector(arguments[0]); return e && !e.closest("[hidden]") ? e.textContent : null;', css);
        return t != null && re.test(t) ? t : null;
      }, { what: `${css} to match ${re}` });
    },
    /** Wait until the element is shown (present, and neither it nor a parent hidden) in the current tab. */
    async shown(css) {
      return ff.waitFor(() => driver.executeScript('const e = document.querySelector(arguments[0]); return !!e && !e.closest("[hidden]");', css), { what: `${css} shown` });
    },
    /** Wait until fn() returns a truthy value (polls a condition; never a fixed sleep). */
    waitFor: (fn, { timeout = 15000, ...opts } = {}) => waitFor(fn, { timeout, ...opts }),

    async close() {
      for (const c of closers.splice(0)) await c().catch(() => {});
      await driver.quit().catch(() => {});
    },
  };
  return ff;
}
