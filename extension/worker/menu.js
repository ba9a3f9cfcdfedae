// The context menu: "Track this page" and "Track this link".
import { store, getSettings } from './storage.js';
import { startTimer, incognitoRefused } from './timer.js';
import { holdPage } from './notices.js';

export function createMenus() {
  chrome.contextMenus.removeAll(() => {
    chrome.contextMenus.create({ id: 'track-page', title: 'Track this page', contexts: ['page'] });
    chrome.contextMenus.create({ id: 'track-link', title: 'Track this link', contexts: ['link'] });
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
  const page = { url, title: (tab && tab.title) || '', incognito, ...(link ? { link: true } : {}) };
  const { lastTask } = await store.get('lastTask');
  if (!lastTask) {
    await holdPage(page);
    await openPopup();
    return { started: false, askedForTask: true };
  }
  const timer = await startTimer(lastTask, page);
  return { started: true, timer };
}

async function openPopup() {
  try {
    await chrome.action.openPopup();
  } catch {
    await chrome.windows.create({ url: chrome.runtime.getURL('popup/popup.html'), type: 'popup', width: 380, height: 560 });
  }
}
