import type { ClusterDetailView, EventView, NodeRowView } from '../../../src/dashboard/types.js';
import { h, table, type Child } from '../dom.js';
import { ORCHESTRATORS, PROVIDERS, shortSha, when } from '../format.js';
import { badge, heading, money, revision, timeAgo } from './common.js';

/** One cluster: summary, nodes, conditions, event timeline, the manifest in Git, and its grants. */
export function clusterPage(c: ClusterDetailView): HTMLElement[] {
  return [
    h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('a', { href: '/', 'data-key': 'crumb-clusters' }, 'Clusters'), ' › ', h('span', { 'aria-current': 'page' }, c.name)),
    heading(c.name, ' ', badge(c.status)),
    h('p', { class: `reason-line s-${c.status}` }, h('strong', {}, c.reason.code), ': ', c.reason.message),
    summary(c),
    section('nodes', 'Nodes', table('nodes', `Nodes of ${c.name}`, ['Node', 'Role', 'Plan', 'IP address', 'Status', 'Orchestrator'], c.nodeList.map(nodeRow), 'No nodes yet: the first pass has not created any.')),
    section('conditions', 'Conditions', table('conditions', 'Conditions', ['Type', 'Status', 'Reason', 'Message', 'Revision'], c.conditions.map(conditionRow), 'No conditions yet: waiting for the first pass.')),
    section('events', 'Events', timeline(c.events)),
    section('manifest', 'Manifest', manifest(c)),
    section('access', 'Access', access(c)),
  ];
}

function section(id: string, title: string, ...body: Child[]): HTMLElement {
  return h('section', { 'aria-labelledby': `h-${id}`, id }, h('h2', { id: `h-${id}` }, title), ...body);
}

function summary(c: ClusterDetailView): HTMLElement {
  const item = (term: string, ...value: Child[]) => [h('dt', {}, term), h('dd', {}, ...value)];
  return h(
    'dl',
    { class: 'summary' },
    item('Provider', PROVIDERS[c.provider] ?? c.provider, ' · ', c.region),
    item('Orchestrator', ORCHESTRATORS[c.orchestrator] ?? c.orchestrator),
    item('Organization', c.organizationId),
    item('Nodes ready', `${c.nodes.ready} of ${c.nodes.desired}`, c.nodes.observed !== c.nodes.desired ? ` (${c.nodes.observed} observed)` : ''),
    item('Monthly cost', money(c.monthlyCost)),
    item('Last applied revision', revision(c.revision)),
    item('Last pass', timeAgo(c.lastPassAt, 'not yet')),
    item('Id', h('code', {}, c.id)),
  );
}

function nodeRow(n: NodeRowView): HTMLTableRowElement {
  return h('tr', { 'data-node': n.id }, h('th', { scope: 'row' }, n.id), h('td', {}, n.role), h('td', {}, n.plan), h('td', {}, n.ip ? h('code', {}, n.ip) : '—'), h('td', {}, badge(n.status)), h('td', {}, n.orchestratorStatus));
}

function conditionRow(x: ClusterDetailView['conditions'][number]): HTMLTableRowElement {
  return h('tr', {}, h('th', { scope: 'row' }, x.type), h('td', {}, x.status ? 'True' : 'False'), h('td', {}, x.reason), h('td', {}, x.message), h('td', {}, x.observedRevision ? h('code', { title: x.observedRevision }, shortSha(x.observedRevision)) : '—'));
}

/** Newest first, like Argo CD's and kubectl's event lists. */
function timeline(events: EventView[]): HTMLElement {
  if (events.length === 0) return h('p', { class: 'empty' }, 'Nothing has happened yet.');
  return h(
    'ol',
    { class: 'timeline', reversed: true },
    [...events].reverse().map((e) => h('li', { class: `ev-${e.type}` }, h('time', { datetime: e.at }, when(e.at)), ' ', h('span', { class: 'ev-type' }, e.type), e.nodeId ? [' ', h('code', {}, e.nodeId)] : null, ' ', h('span', { class: 'ev-msg' }, e.message))),
  );
}

function manifest(c: ClusterDetailView): Child[] {
  const m = c.manifest;
  const where = h('p', {}, h('code', {}, m.path), ' at ', h('code', { title: m.revision }, shortSha(m.revision)), m.link ? [' · ', h('a', { href: m.link, rel: 'noopener noreferrer', target: '_blank', 'data-key': 'manifest-link' }, 'open in Git', h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'))] : null);
  return [
    where,
    m.invalid ? h('p', { class: 'notice error' }, 'This manifest is invalid, so clusterops leaves the cluster as it is: ', m.invalid) : null,
    m.text === null ? h('p', { class: 'empty' }, 'The manifest has left the branch: the cluster is being deleted.') : h('pre', { class: 'manifest scroll', tabindex: 0, 'aria-label': `${m.path} as it stands in Git`, 'data-key': 'manifest-text' }, h('code', {}, m.text)),
  ];
}

function access(c: ClusterDetailView): HTMLElement {
  if (c.access.length === 0) return h('p', { class: 'empty' }, `No per-cluster grants: admins of ${c.organizationId} only.`);
  return h('ul', {}, c.access.map((a) => h('li', {}, h('code', {}, a.userId), `: ${a.permission}`)));
}
