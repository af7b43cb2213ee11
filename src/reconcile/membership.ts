import type { ActualCluster, ActualNode } from '../domain/plan/types.js';
import type { Member, OrchestratorAdapter, OrchestratorCluster } from '../orchestrators/types.js';
import type { ClusterRecord } from '../store/types.js';
import { TransientError } from './errors.js';

/** The orchestrator's view of a cluster for one pass (null when no manager could be asked). */
export type MemberView = Member[] | null;

/** The cluster as the orchestrator adapters take it. */
export function orchestratorCluster(record: ClusterRecord, nodes: readonly ActualNode[]): OrchestratorCluster {
  const members = record.members ?? {};
  return {
    clusterId: record.id,
    orchestrator: record.orchestrator,
    managers: nodes.filter((n) => n.role === 'manager' && n.status === 'running' && members[n.id] !== undefined),
    members,
  };
}

/** Asks a manager for the members (one call per pass). Unreachable managers leave health unknown. */
export async function readMembers(orchestrator: OrchestratorAdapter, record: ClusterRecord, vmLevel: ActualCluster): Promise<MemberView> {
  const cluster = orchestratorCluster(record, vmLevel.nodes);
  if (!record.initialized || cluster.managers.length === 0) return null;
  try {
    return await orchestrator.members(cluster);
  } catch (err) {
    if (err instanceof TransientError) return null;
    throw err;
  }
}

/**
 * Lays the orchestrator's view over the VM-level nodes: a running VM is a `running` node only
 * once it has joined and is ready; joined but not ready is `unhealthy`; not joined yet counts as
 * `provisioning` (so the planner never asks for it twice); a node being drained is `draining`.
 * When no manager could be asked, joined nodes keep their VM-level status.
 */
export function overlayMembers(vmLevel: ActualCluster, record: ClusterRecord, view: MemberView): ActualCluster {
  const ids = record.members ?? {};
  const byId = new Map((view ?? []).map((m) => [m.memberId, m]));
  const nodes = vmLevel.nodes.map((n): ActualNode => {
    if (n.status !== 'running') return n;
    const memberId = ids[n.id];
    if (memberId === undefined) return { ...n, status: 'provisioning', orchestratorStatus: 'not-joined' };
    if (!view) return n;
    const m = byId.get(memberId);
    if (!m) return { ...n, status: 'provisioning', orchestratorStatus: 'not-joined' };
    if (m.draining) return { ...n, status: 'draining', orchestratorStatus: 'draining' };
    return m.ready ? { ...n, orchestratorStatus: 'ready' } : { ...n, status: 'unhealthy', orchestratorStatus: 'not-ready' };
  });
  return { ...vmLevel, nodes };
}

/** Updates when each node went unhealthy; returns the ids unhealthy for longer than `afterMs`. */
export function trackUnhealthy(record: ClusterRecord, nodes: readonly ActualNode[], now: Date, afterMs: number): { since: Record<string, string>; overdue: string[] } {
  const since: Record<string, string> = {};
  for (const n of nodes) {
    if (n.orchestratorStatus !== 'not-ready') continue;
    since[n.id] = record.unhealthySince?.[n.id] ?? now.toISOString();
  }
  const overdue = Object.entries(since).filter(([, t]) => now.getTime() - Date.parse(t) >= afterMs).map(([id]) => id);
  return { since, overdue };
}
