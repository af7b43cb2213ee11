import { canRead } from '../auth/access.js';
import type { Principal } from '../auth/types.js';
import { knownCluster, type KnownCluster } from '../api/clusters/view.js';
import { summarizePlan } from '../domain/plan/index.js';
import type { PlannedCluster } from '../status/github/pr-report.js';
import type { DashboardDeps } from './deps.js';
import type { PullsView } from './types.js';
import { toPlanView } from './views.js';

/**
 * Open pull requests' plans, each showing only the clusters the reader may read; pull requests
 * left with none are left out. Who may read a cluster's plan is decided by the cluster as it is
 * now — its organization and grants on the branch, or its record while it is being deleted —
 * never by what the pull request's head claims: a head that moves org A's cluster to org B must
 * not show B a live plan of it. Only a cluster new in the pull request goes by its head.
 */
export function pullsView(principal: Principal, deps: DashboardDeps): PullsView {
  if (!deps.pullRequests) return { enabled: false };
  const out = deps.pullRequests().flatMap((pr) => {
    const visible = pr.clusters.filter((c) => canRead(principal, readerScope(deps, c)));
    if (visible.length === 0) return [];
    const whole = visible.length === pr.clusters.length;
    return [
      {
        number: pr.number,
        headSha: pr.headSha,
        link: deps.pullRequestLink?.(pr.number) ?? null,
        validate: whole ? statusView(pr.validate) : { state: pr.validate.state, description: 'details are shown to readers of every cluster this pull request changes' },
        // The status text names every changed cluster: a partial reader gets one of their clusters only.
        plan: whole ? statusView(pr.plan) : { state: pr.plan.state, description: visible.map((c) => `${c.plan.clusterName}: ${summarizePlan(c.plan)}`).join('; ') },
        clusters: visible.map(toPlanView),
        checkedAt: pr.checkedAt,
      },
    ];
  });
  return { enabled: true, pulls: out };
}

/** The organization and grants that decide who reads a planned cluster. */
function readerScope(deps: DashboardDeps, c: PlannedCluster): Pick<KnownCluster, 'organizationId' | 'access'> {
  const existing = knownCluster(deps.api.desired(), deps.api.store, c.plan.clusterId);
  // A new cluster has no grants yet: its head organization's admins only.
  return existing ? { organizationId: existing.organizationId, access: existing.access } : { organizationId: c.organizationId, access: [] };
}

function statusView(s: { state: string; description: string }): { state: string; description: string } {
  return { state: s.state, description: s.description };
}
