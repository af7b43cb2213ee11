import { statusOf, toApiCluster, type KnownCluster } from '../api/clusters/view.js';
import type { PlanName } from '../domain/manifest/types.js';
import { formatMoney, formatMoneyDelta } from '../domain/plan/index.js';
import { priceChange } from '../domain/plan/cost.js';
import type { PlanAction } from '../domain/plan/types.js';
import type { PlannedCluster } from '../status/github/pr-report.js';
import type { ClusterPlanView, ClusterRowView, ConditionView, MoneyView, PlanActionView } from './types.js';

/** Pure: one overview row of a cluster the reader may see. `committedAt` gives a revision's commit time when known. */
export function toRow(c: KnownCluster, now: () => Date, committedAt: (sha: string) => string | null): ClusterRowView {
  const view = c.record?.status ?? null;
  const observed = view?.nodes ?? [];
  const sha = view?.observedRevision ?? '';
  return {
    id: c.id,
    name: c.name,
    organizationId: c.organizationId,
    provider: c.provider,
    region: c.region,
    orchestrator: c.orchestrator,
    status: statusOf(c),
    reason: reasonOf(c),
    nodes: { ready: observed.filter((n) => n.status === 'running').length, desired: toApiCluster(c, now).nodeCount, observed: observed.length },
    monthlyCost: monthlyCost(c),
    revision: sha ? { sha, committedAt: committedAt(sha) } : null,
    lastPassAt: view ? (c.record?.updatedAt ?? null) : null,
  };
}

/** Why the cluster is where it is, in the words of its conditions (Argo CD's "health message"). */
function reasonOf(c: KnownCluster): ClusterRowView['reason'] {
  if (c.invalid) return { code: 'InvalidManifest', message: c.invalid };
  const conditions = c.record?.status?.conditions ?? [];
  const stalled = conditions.find((x) => x.type === 'Stalled' && x.status);
  if (stalled) return { code: stalled.reason, message: stalled.message };
  const ready = conditions.find((x) => x.type === 'Ready');
  if (ready) return { code: ready.reason, message: ready.message };
  if (!c.manifest) return { code: 'Deleting', message: 'the manifest was removed; its VMs are being deleted' };
  return { code: 'Pending', message: 'waiting for the first reconcile pass' };
}

/** The manifest's nodes at list price; while deleting, the nodes still there. */
function monthlyCost(c: KnownCluster): MoneyView {
  const counts = new Map<PlanName, number>();
  if (c.manifest) for (const g of c.manifest.nodes) counts.set(g.plan, (counts.get(g.plan) ?? 0) + g.count);
  else for (const n of c.record?.status?.nodes ?? []) counts.set(n.plan, (counts.get(n.plan) ?? 0) + 1);
  const { currency, monthlyAfter } = priceChange({ provider: c.provider, region: c.region }, [], [...counts].map(([plan, count]) => ({ plan, count })));
  return money(monthlyAfter, currency);
}

function money(amount: number, currency: MoneyView['currency']): MoneyView {
  return { amount, currency, text: formatMoney(amount, currency) };
}

export function toConditions(c: KnownCluster): ConditionView[] {
  return (c.record?.status?.conditions ?? []).map(({ type, status, reason, message, observedRevision }) => ({ type, status, reason, message, observedRevision }));
}

/** Pure: a pull request's plan for one cluster, as the dashboard lists it. */
export function toPlanView({ plan }: PlannedCluster): ClusterPlanView {
  const { currency, monthlyBefore, monthlyAfter } = plan.cost;
  return {
    clusterId: plan.clusterId,
    clusterName: plan.clusterName,
    actions: plan.actions.map(toActionView),
    errors: plan.errors.map((e) => e.message),
    warnings: [...plan.warnings],
    managersBefore: plan.quorum.managersBefore,
    managersAfter: plan.quorum.managersAfter,
    cost: { before: money(monthlyBefore, currency), after: money(monthlyAfter, currency), delta: formatMoneyDelta(monthlyAfter - monthlyBefore, currency) },
  };
}

function toActionView(a: PlanAction): PlanActionView {
  switch (a.type) {
    case 'createNode':
      return { action: 'create', nodeId: a.nodeId, role: a.role, plan: a.plan, reason: a.reason };
    case 'initCluster':
      return { action: a.recreate ? 'bootstrap' : 'init', nodeId: a.nodeId, role: 'manager', plan: null, reason: a.reason };
    case 'replaceNode':
      return { action: 'replace', nodeId: `${a.nodeId} → ${a.newNodeId}`, role: a.role, plan: `${a.fromPlan} → ${a.plan}`, reason: a.reason };
    case 'deleteNode':
      return { action: 'delete', nodeId: a.nodeId, role: a.role, plan: a.plan, reason: a.drain ? `${a.reason} (drained first)` : a.reason };
    case 'deleteCluster':
      return { action: 'delete cluster', nodeId: null, role: null, plan: null, reason: a.reason };
  }
}
