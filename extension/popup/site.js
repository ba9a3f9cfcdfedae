// The popup's site rules: the rule of the page (its task preselected, or a
// note when that task is gone from Tyme), and "Always use this task on"
// with the scopes the page offers (host, or host plus one or two path
// segments). Rules are read from storage here; saved through the worker.
import { el, send } from '../common.js';
import { matchRule, normalizeRule, scopesOf, ruleTaskGone } from '../rules.js';

const $ = (id) => document.getElementById(id);
const label = (s) => `${s.host}${s.path}`;

export function siteRules({ choose, chosen, catalog }) {
  let url = '';
  let rule = null;
  let userPicked = false;

  const note = (text) => { $('rule-note').textContent = text; $('rule-note').hidden = !text; };

  function renderBox() {
    const scopes = scopesOf(url);
    const task = chosen();
    const box = $('rule-box');
    box.hidden = !(task && scopes.length);
    if (box.hidden) return;
    const sel = $('rule-scope');
    const want = rule ? label(rule) : label(scopes[0]);
    sel.replaceChildren(...scopes.map((s) => {
      const o = el('option', label(s), { value: JSON.stringify(s) });
      if (label(s) === want) o.selected = true;
      return o;
    }));
  }

  /** Apply the page's rule (unless the user picked a task already). */
  function apply() {
    if (!rule) { renderBox(); return; }
    if (ruleTaskGone(rule, catalog())) {
      note(`The task of your rule for ${label(rule)} is no longer in Tyme: pick a task and save the rule again.`);
    } else if (!userPicked) {
      choose(rule.task, { byRule: true });
      note(`Task from your rule for ${label(rule)}.`);
    }
    renderBox();
  }

  $('save-rule').addEventListener('click', async () => {
    const scope = JSON.parse($('rule-scope').value);
    const res = await send('saveRule', { ...scope, task: chosen() });
    if (!res.ok) { note(res.error.message); return; }
    rule = normalizeRule({ ...scope, task: chosen() });
    note(`Saved: this task on ${label(scope)}.`);
  });

  return {
    /** The page the popup tracks: its URL decides the rule. */
    async setPage(pageUrl) {
      url = pageUrl || '';
      const area = chrome.storage.sync || chrome.storage.local;
      const { siteRules } = await area.get('siteRules');
      rule = matchRule((Array.isArray(siteRules) ? siteRules : []).map(normalizeRule).filter(Boolean), url);
      apply();
    },
    /** The catalog changed: a rule's task may have appeared or gone. */
    catalogChanged() { apply(); },
    /** A task was picked by the user: the rule no longer overrides it. */
    picked() { userPicked = true; renderBox(); },
    renderBox,
  };
}
