// Starting without the popup: the context menu ("Track this page", "Track
// this link") and the keyboard shortcut ("toggle-timer"). The task is the
// page's site rule's, else the last task; a rule whose task is gone on the
// server, or no task at all, leaves the page waiting for a pick in the popup.
import { matchRule, ruleTaskGone } from '../site-rules.js';
import { readCatalog } from '../picker.js';
import { t } from '../i18n.js';
import { store, getSettings } from './storage.js';
import { startTimer, stopTimer, incognitoRefused } from './timer.js';
import { holdPage, setNotice } from './notices.js';
import { getRules } from './site-rules.js';

export function createMenus() {
  chrome.contextMenus.removeAll(() => {
    chrome.contextMenus.create({ id: 'track-page', title: t('menu_track_page'), contexts: ['page'] });
    chrome.contextMenus.create({ id: 'track-link', title: t('menu_track_link'), contexts: ['link'] });
  });
}

export async function handleMenuClick(info, tab) {
  // Before anything of the tab is read or stored (the pending page included).
  const incognito = !!((tab && tab.incognito) || (info && info.incognito));
  if (incognito && !(await getSettings()).allowIncognito) throw incognitoRefused();
  const link = info.menuItemId === 'track-link';
  const url = link ? info.linkUrl : (info.pageUrl || (tab && tab.url));
  if (!url) return { started: false };
  // The tab's title is the title of the page, also when a link on it is tracked.
  return startOnPage({ url, title: (tab && tab.title) || '', incognito, ...(link ? { link: true } : {}) });
}

/** The shortcut: stop the running timer, or start one on the tab's page (the command grants activeTab on it). */
export async function toggleTimer(tab) {
  const { timer } = await store.get('timer');
  if (timer) return { stopped: !!(await stopTimer()) };
  const incognito = !!(tab && tab.incognito);
  if (incognito && !(await getSettings()).allowIncognito) throw incognitoRefused();
  const url = tab && /^(https?|file):/.test(tab.url || '') ? tab.url : '';
  return startOnPage({ url, title: url ? (tab.title || '') : '', incognito });
}

async function startOnPage(page) {
  const rule = matchRule(await getRules(), page.url);
  const { lastTask } = await store.get('lastTask');
  // The catalog (megabytes for a big account) only where a rule names a task.
  const gone = !!rule && ruleTaskGone(rule, readCatalog((await store.get('catalog')).catalog));
  const task = rule && !gone ? rule.task : gone ? null : lastTask;
  if (!task) {
    if (page.url) await holdPage(page);
    if (gone) await setNotice(t('notice_rule_gone', `${rule.host}${rule.path}`));
    await openPopup();
    return { started: false, askedForTask: true, ruleGone: gone };
  }
  const timer = await startTimer(task, page.url ? page : null);
  return { started: true, timer, byRule: !!rule && !gone };
}

async function openPopup() {
  try {
    await chrome.action.openPopup();
  } catch {
    await chrome.windows.create({ url: chrome.runtime.getURL('popup/popup.html'), type: 'popup', width: 380, height: 560 });
  }
}
