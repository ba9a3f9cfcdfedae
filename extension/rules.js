// Site rules: "always use this task on this site" (pure). A rule is
// { host, path, task } with host in lower case without "www." and path ''
// or a path prefix such as '/org/repo' (whole segments). The longest
// matching rule wins: a host and path prefix before the host alone.
export const RULES_MAX = 200;

const hostOf = (h) => String(h || '').toLowerCase().replace(/^www\./, '');
const cleanPath = (p) => {
  const segs = String(p || '').split('/').filter(Boolean);
  return segs.length ? `/${segs.join('/')}` : '';
};

/** The page's URL as {host, path}, or null for what cannot carry a rule. */
export function pageKey(url) {
  let u;
  try { u = new URL(url); } catch { return null; }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  return { host: hostOf(u.hostname), path: u.pathname };
}

/** The scopes a rule for this page can take: the host, then up to two path segments. */
export function scopesOf(url) {
  const k = pageKey(url);
  if (!k) return [];
  const segs = k.path.split('/').filter(Boolean);
  const out = [{ host: k.host, path: '' }];
  for (let i = 1; i <= Math.min(2, segs.length); i++) out.push({ host: k.host, path: `/${segs.slice(0, i).join('/')}` });
  return out;
}

export function normalizeRule(r) {
  if (!r || !r.task || typeof r.task.taskId !== 'string' || !r.task.taskId) return null;
  const host = hostOf(r.host).trim();
  if (!host || /[\s/]/.test(host)) return null;
  return { host, path: cleanPath(r.path), task: r.task };
}

/** The rule for a page's URL: the longest path prefix on its host (whole segments), or null. */
export function matchRule(rules, url) {
  const k = pageKey(url);
  if (!k) return null;
  let best = null;
  for (const r of rules || []) {
    if (!r || r.host !== k.host) continue;
    const fits = !r.path || k.path === r.path || k.path.startsWith(`${r.path}/`);
    if (fits && (!best || r.path.length > best.path.length)) best = r;
  }
  return best;
}

/** The list with `rule` added (replacing one for the same host and path). */
export function withRule(rules, rule) {
  const n = normalizeRule(rule);
  if (!n) return rules || [];
  const rest = (rules || []).filter((r) => !(r.host === n.host && r.path === n.path));
  return [...rest, n].slice(-RULES_MAX);
}

/** Whether the rule's task is known to be gone: the catalog was fetched and lacks it. */
export function ruleTaskGone(rule, catalog) {
  if (!rule || !catalog || !catalog.at) return false;
  const t = rule.task;
  if (!(catalog.tasks || []).some((x) => String(x.id) === t.taskId)) return true;
  return !!t.subtaskId && !(catalog.subtasks || []).some((x) => String(x.id) === t.subtaskId);
}
