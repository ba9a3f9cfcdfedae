// Site rules ("always use this task on this site"; extension/site-rules.js
// matches them). In chrome.storage.sync where the browser has it, so a second
// browser of the same user gets them; else local.
import { normalizeRule, withRule } from '../site-rules.js';
import { t } from '../i18n.js';
import { UserError } from './errors.js';
import { checkTaskRef } from './timer.js';

const area = () => chrome.storage.sync || chrome.storage.local;

export async function getRules() {
  const { siteRules } = await area().get('siteRules');
  return Array.isArray(siteRules) ? siteRules.map(normalizeRule).filter(Boolean) : [];
}

/** One rule from the popup (replacing the one of the same site and path). */
export async function saveRule(p) {
  const rule = normalizeRule({ host: p.host, path: p.path, task: p.task && checkTaskRef(p.task) });
  if (!rule) throw new UserError('invalid_input', t('err_rule'));
  const siteRules = withRule(await getRules(), rule);
  await area().set({ siteRules });
  return siteRules;
}

/** The whole list, as the options edit it. */
export async function setRules(p) {
  const list = Array.isArray(p.rules) ? p.rules.map(normalizeRule) : null;
  if (!list || list.some((r) => !r)) throw new UserError('invalid_input', t('err_rules'));
  const siteRules = list.reduce((acc, r) => withRule(acc, r), []);
  await area().set({ siteRules });
  return siteRules;
}
