// extension/rules.js in plain node: site rules' matching precedence (the
// longest path prefix on the host wins, whole segments only), pages without
// a rule, scopes offered, and a rule whose task the catalog no longer has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchRule, withRule, scopesOf, normalizeRule, ruleTaskGone, pageKey } from '../../extension/rules.js';

const task = (id, sub = '') => ({ taskId: id, subtaskId: sub, taskName: id, subtaskName: sub, projectId: 'p', projectName: 'P' });
const rules = [
  { host: 'github.com', path: '', task: task('t-host') },
  { host: 'github.com', path: '/acme', task: task('t-org') },
  { host: 'github.com', path: '/acme/site', task: task('t-repo') },
  { host: 'docs.example.org', path: '', task: task('t-docs') },
];
const hit = (url) => (matchRule(rules, url) || { task: { taskId: null } }).task.taskId;

test('the longest path prefix on the host wins', () => {
  assert.equal(hit('https://github.com/acme/site/pull/7'), 't-repo');
  assert.equal(hit('https://github.com/acme/site'), 't-repo');
  assert.equal(hit('https://github.com/acme/other'), 't-org');
  assert.equal(hit('https://github.com/acme'), 't-org');
  assert.equal(hit('https://github.com/someone/else'), 't-host');
  assert.equal(hit('https://github.com/'), 't-host');
  // The order of the list does not matter.
  assert.equal(matchRule([...rules].reverse(), 'https://github.com/acme/site/x').task.taskId, 't-repo');
});

test('prefixes match whole segments, hosts exactly (www. aside), any case', () => {
  assert.equal(hit('https://github.com/acme-corp/site'), 't-host', '/acme is not a prefix of /acme-corp');
  assert.equal(hit('https://github.com/acme/sitemap'), 't-org', '/acme/site is not a prefix of /acme/sitemap');
  assert.equal(hit('https://WWW.GitHub.com/acme/site'), 't-repo');
  assert.equal(hit('https://gist.github.com/acme'), null, 'a sub-domain is another site');
  assert.equal(hit('http://docs.example.org/a?b=c#d'), 't-docs');
});

test('pages without a rule, and pages that cannot carry one', () => {
  assert.equal(hit('https://example.com/acme/site'), null);
  assert.equal(matchRule(rules, 'chrome://extensions'), null);
  assert.equal(matchRule(rules, 'file:///home/me/a.html'), null);
  assert.equal(matchRule(rules, 'not a url'), null);
  assert.equal(matchRule([], 'https://github.com/'), null);
  assert.equal(pageKey('ftp://x/y'), null);
});

test('scopes: the host, then up to two path segments', () => {
  assert.deepEqual(scopesOf('https://www.github.com/acme/site/pull/7?x=1'), [
    { host: 'github.com', path: '' }, { host: 'github.com', path: '/acme' }, { host: 'github.com', path: '/acme/site' },
  ]);
  assert.deepEqual(scopesOf('https://example.com/'), [{ host: 'example.com', path: '' }]);
  assert.deepEqual(scopesOf('about:blank'), []);
});

test('withRule replaces the rule of the same scope and normalises input', () => {
  let list = withRule([], { host: 'WWW.Example.com', path: 'a//b/', task: task('t1') });
  assert.deepEqual(list, [{ host: 'example.com', path: '/a/b', task: task('t1') }]);
  list = withRule(list, { host: 'example.com', path: '/a/b', task: task('t2') });
  assert.deepEqual(list.map((r) => r.task.taskId), ['t2']);
  list = withRule(list, { host: 'example.com', path: '', task: task('t3') });
  assert.equal(list.length, 2);
  assert.equal(normalizeRule({ host: 'a b', path: '', task: task('t') }), null);
  assert.equal(normalizeRule({ host: 'x.com', path: '', task: { taskId: '' } }), null);
  assert.deepEqual(withRule(list, { host: '', task: task('t') }), list, 'an invalid rule changes nothing');
});

test('a rule whose task the fetched catalog no longer has is gone; an unfetched catalog proves nothing', () => {
  const catalog = { at: 1, projects: [], tasks: [{ id: 't1' }, { id: 't2' }], subtasks: [{ id: 's1', task_id: 't1' }] };
  assert.equal(ruleTaskGone({ task: task('t1') }, catalog), false);
  assert.equal(ruleTaskGone({ task: task('t1', 's1') }, catalog), false);
  assert.equal(ruleTaskGone({ task: task('t9') }, catalog), true);
  assert.equal(ruleTaskGone({ task: task('t1', 's9') }, catalog), true);
  assert.equal(ruleTaskGone({ task: task('t9') }, { at: 0, tasks: [] }), false);
  assert.equal(ruleTaskGone({ task: task('t9') }, null), false);
});
