import type { ClusterPlanView, PullRequestView, PullsView } from '../../../src/dashboard/types.js';
import { h, table } from '../dom.js';
import { shortSha } from '../format.js';
import { badge, heading, timeAgo } from './common.js';

/** Plans of open pull requests that change manifests (what merging each would do). */
export function pullsPage(data: PullsView): HTMLElement[] {
  const title = heading('Pull requests');
  if (!data.enabled) {
    return [title, h('p', { class: 'notice info', role: 'status' }, 'The GitHub integration is off, so there are no pull-request plans to show. Set ', h('code', {}, 'CLUSTEROPS_GITHUB_REPO'), ' and ', h('code', {}, 'GITHUB_TOKEN'), ' to have clusterops plan every pull request that changes clusters/.')];
  }
  if (data.pulls.length === 0) return [title, h('p', { class: 'empty' }, 'No open pull request changes a cluster you may see.')];
  return [title, ...data.pulls.map(pull)];
}

function pull(pr: PullRequestView): HTMLElement {
  const name = `#${pr.number}`;
  return h(
    'article',
    { class: 'pull', 'aria-labelledby': `pr-${pr.number}` },
    h('h2', { id: `pr-${pr.number}` }, pr.link ? h('a', { href: pr.link, rel: 'noopener noreferrer', target: '_blank', 'data-key': `pr-${pr.number}` }, `Pull request ${name}`) : `Pull request ${name}`),
    h('p', { class: 'sub' }, 'Head ', h('code', { title: pr.headSha }, shortSha(pr.headSha)), ' · checked ', timeAgo(pr.checkedAt)),
    h('ul', { class: 'checks' }, h('li', {}, 'clusterops/validate: ', badge(pr.validate.state), ' ', pr.validate.description), h('li', {}, 'clusterops/plan: ', badge(pr.plan.state), ' ', pr.plan.description)),
    ...pr.clusters.map((c) => plan(pr.number, c)),
  );
}

function plan(number: number, c: ClusterPlanView): HTMLElement {
  const rows = c.actions.map((a) => h('tr', {}, h('th', { scope: 'row' }, a.action), h('td', {}, a.nodeId ?? '—'), h('td', {}, a.role ?? '—'), h('td', {}, a.plan ?? '—'), h('td', {}, a.reason)));
  return h(
    'section',
    { class: 'plan' },
    h('h3', {}, c.clusterName),
    c.errors.map((e) => h('p', { class: 'notice error' }, `Refused: ${e}`)),
    c.warnings.map((w) => h('p', { class: 'notice warn' }, w)),
    table(`plan-${number}-${c.clusterName}`, `Plan for ${c.clusterName}`, ['Action', 'Node', 'Role', 'Plan', 'Reason'], rows, 'No changes.'),
    h('p', {}, `Managers ${c.managersBefore} → ${c.managersAfter} · monthly cost ${c.cost.before.text} → ${c.cost.after.text} (${c.cost.delta})`),
  );
}
