import type { ClusterRowView, OverviewView } from '../../../src/dashboard/types.js';
import { h, table } from '../dom.js';
import { ORCHESTRATORS, PROVIDERS, shortSha } from '../format.js';
import { badge, heading, money, revision } from './common.js';

/** What the filter box holds; kept across live updates and page changes. */
let filter = '';

/** The clusters overview: one row per cluster the user may read, with a filter as Argo CD's list has. */
export function overviewPage(data: OverviewView): HTMLElement[] {
  const counts = new Map<string, number>();
  for (const c of data.clusters) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  return [
    heading('Clusters'),
    h('p', { class: 'sub' }, data.clusters.length === 0 ? 'No clusters you may see.' : `${data.clusters.length} cluster${data.clusters.length === 1 ? '' : 's'}: ${summary}. `, data.revision ? ['Branch at ', h('code', { title: data.revision }, shortSha(data.revision)), '.'] : null),
    data.clusters.length > 0 ? filterBox() : null,
    table('clusters', 'Clusters', ['Cluster', 'Provider / region', 'Orchestrator', 'Status', 'Nodes ready', 'Monthly cost', 'Last revision'], data.clusters.map(row), 'There are no clusters to show: none in your organizations, or none you were granted access to.'),
  ].filter((e): e is HTMLElement => e !== null);
}

/** Filters rows in place (name, id, provider, region, orchestrator, status, reason), so typing never waits for the server. */
function filterBox(): HTMLElement {
  const input = h('input', { id: 'cluster-filter', type: 'search', value: filter, autocomplete: 'off', 'data-key': 'cluster-filter' });
  input.addEventListener('input', () => {
    filter = input.value;
    for (const tr of document.querySelectorAll<HTMLTableRowElement>('tr[data-cluster]')) tr.hidden = !matches(tr);
  });
  return h('p', { class: 'filter' }, h('label', { for: 'cluster-filter' }, 'Filter clusters '), input);
}

function matches(tr: HTMLTableRowElement): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const text = (tr.textContent ?? '').toLowerCase();
  return words.every((w) => text.includes(w));
}

function row(c: ClusterRowView): HTMLTableRowElement {
  const tr = h(
    'tr',
    { 'data-cluster': c.id },
    h('th', { scope: 'row' }, h('a', { href: `/clusters/${encodeURIComponent(c.id)}`, 'data-key': `cluster-${c.id}` }, c.name), h('div', { class: 'muted' }, c.id)),
    h('td', {}, PROVIDERS[c.provider] ?? c.provider, h('div', { class: 'muted' }, c.region)),
    h('td', {}, ORCHESTRATORS[c.orchestrator] ?? c.orchestrator),
    h('td', { class: 'status-cell' }, badge(c.status), h('div', { class: 'reason' }, c.reason.message)),
    h('td', { class: 'num' }, `${c.nodes.ready}/${c.nodes.desired}`),
    h('td', {}, money(c.monthlyCost)),
    h('td', {}, revision(c.revision)),
  );
  tr.hidden = !matches(tr);
  return tr;
}
