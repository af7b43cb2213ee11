import type { Orchestrator } from '../manifest/types.js';
import type { ActualNode, PlanError } from './types.js';

/** Raft / etcd majority: floor(n/2)+1 members must agree; an empty control plane needs none. */
export function quorumOf(members: number): number {
  return members === 0 ? 0 : Math.floor(members / 2) + 1;
}

/** What the quorum check looks at: the current manager members and what the plan takes away. */
export interface QuorumCheck {
  orchestrator: Orchestrator;
  /** Before the control plane exists there is no quorum to lose. */
  initialized: boolean;
  /** Managers that are members of the control plane now (joined: not provisioning, draining or deleting). */
  managers: readonly ActualNode[];
  /** Member managers the plan deletes outright. */
  deleted: readonly ActualNode[];
  /** Member managers the plan replaces; surge keeps the count, but membership still changes. */
  replaced: number;
}

/**
 * Refuses a plan that would leave fewer healthy managers than the current members need.
 * The survivors of all deletions must hold a quorum of today's membership. One healthy
 * manager may also go when the survivors hold a quorum of the membership without it: the
 * orchestrator removes members one at a time, and the leaving member helps commit its own
 * removal (this is what lets 2 → 1 through, which the first rule alone never would).
 */
export function checkQuorum(check: QuorumCheck): PlanError[] {
  if (!check.initialized || check.deleted.length + check.replaced === 0) return [];
  const members = check.managers.length;
  const healthy = check.managers.filter(isHealthy).length;
  if (healthy < quorumOf(members)) {
    return [{ reason: 'QuorumLost', message: lostMessage(healthy, members) }];
  }
  const removed = check.deleted.filter(isHealthy).length;
  const left = healthy - removed;
  const keeps = left >= quorumOf(members) || (removed === 1 && left >= quorumOf(members - 1));
  if (removed === 0 || keeps) return [];
  return [{ reason: 'QuorumLoss', message: lossMessage(check.orchestrator, removed, members, healthy) }];
}

function isHealthy(node: ActualNode): boolean {
  return node.status === 'running';
}

function lostMessage(healthy: number, members: number): string {
  return (
    `control plane has lost quorum: only ${healthy} of ${members} managers healthy; ` +
    'recover it by hand before removing managers'
  );
}

function lossMessage(orchestrator: Orchestrator, removed: number, members: number, healthy: number): string {
  const quorum = quorumOf(members);
  const what =
    `removing ${removed} of ${members} managers in one step would leave ${healthy - removed} healthy, ` +
    `below the quorum of ${quorum}`;
  if (healthy < members) {
    return `${what}; only ${healthy} of ${members} managers are healthy now, so recover or remove the unhealthy ones first`;
  }
  if (orchestrator === 'swarm') {
    return (
      `${what}; a swarm must keep an odd number of managers, so it can only shrink by two while ` +
      'the rest keep quorum (5 → 3 works, 3 → 1 does not)'
    );
  }
  return `${what}; remove managers one at a time, one change per manager`;
}
