import { quorumOf } from '../../domain/plan/index.js';
import { StalledError, WaitingError } from '../../reconcile/errors.js';

/** A control-plane member as the removal check sees it. */
export interface ManagerSeat {
  memberId: string;
  /** Ready and reachable by the other managers (not Down / NotReady / Unreachable). */
  reachable: boolean;
}

/**
 * The quorum rule for taking one manager (swarm Raft) or server (k3s etcd) out: today's
 * reachable managers must hold a quorum of today's membership (else `QuorumLost`), and the
 * reachable managers left after the removal must hold a quorum of the membership without the
 * leaving one (else `QuorumLoss`). This is swarmkit's own `CanRemoveMember` check and etcd's
 * strict reconfiguration check, and it matches the planner's `checkQuorum`: 3 → 2 and 2 → 1
 * pass, removing a healthy manager while another of 3 is down does not. Returns the refusal,
 * or undefined when the removal keeps quorum. `name` turns a member id into our node id.
 */
export function quorumRefusal(managers: readonly ManagerSeat[], leaving: string, name: (memberId: string) => string): StalledError | undefined {
  const members = managers.length;
  const reachable = managers.filter((m) => m.reachable);
  const down = managers.filter((m) => !m.reachable).map((m) => name(m.memberId));
  if (reachable.length < quorumOf(members)) {
    return new StalledError(
      'QuorumLost',
      `only ${reachable.length} of ${members} managers are reachable (down: ${down.join(', ')}), below the quorum of ${quorumOf(members)}; ` +
        'recover the control plane by hand before removing managers',
    );
  }
  const left = reachable.filter((m) => m.memberId !== leaving);
  const needed = quorumOf(members - 1);
  if (left.length >= needed) return undefined;
  const hint = down.length > 0 ? `; recover or remove ${down.join(', ')} first` : '';
  return new StalledError(
    'QuorumLoss',
    `removing manager ${name(leaving)} would leave ${left.length} reachable of ${members - 1} managers, below the quorum of ${needed}${hint}`,
  );
}

/**
 * Bounded drains across reconcile passes: the adapter keeps when the first drain attempt of a
 * node was made (keyed by cluster and node), so each pass can tell "still moving" from "over
 * budget". A stale start (no attempt for twice the budget: the drain was abandoned, e.g. the
 * scale-down reverted) starts over, and so does a drain after it stalled: the controller only
 * calls again once the manifest changed.
 */
export interface DrainBudget {
  /** Milliseconds since the first attempt of this drain; the first call starts the clock. */
  elapsed(key: string): number;
  /** Forgets the drain (finished, stalled, or the node was removed). */
  clear(key: string): void;
}

export function createDrainBudget(timeoutMs: number, now: () => number): DrainBudget {
  const started = new Map<string, { at: number; seen: number }>();
  return {
    elapsed(key) {
      const t = now();
      const entry = started.get(key);
      if (!entry || t - entry.seen > 2 * timeoutMs) {
        started.set(key, { at: t, seen: t });
        return 0;
      }
      entry.seen = t;
      return t - entry.at;
    },
    clear(key) {
      started.delete(key);
    },
  };
}

/** `WaitingError('Draining')` inside the budget, then `StalledError('DrainTimeout')` naming the blockers. */
export function drainRefusal(
  budget: DrainBudget,
  key: string,
  elapsedMs: number,
  timeoutMs: number,
  pollMs: number,
  describe: { nodeId: string; blockers: string },
): WaitingError | StalledError {
  if (elapsedMs < timeoutMs) {
    return new WaitingError('Draining', `${describe.nodeId} still runs ${describe.blockers}`, pollMs);
  }
  budget.clear(key);
  const waited = Math.round(elapsedMs / 1000);
  return new StalledError('DrainTimeout', `${describe.nodeId} still runs ${describe.blockers} after ${waited}s of draining`);
}

/**
 * Taking out the last manager ends the cluster, which only a cluster deletion does (workers go
 * first): refused while other members are still joined and ready, since they would be left
 * without a control plane.
 */
export function lastManagerRefusal(nodeId: string, othersReady: readonly string[]): StalledError | undefined {
  if (othersReady.length === 0) return undefined;
  return new StalledError(
    'QuorumLoss',
    `${nodeId} is the last manager and ${othersReady.length} other node(s) are still joined (${othersReady.join(', ')}); remove them first`,
  );
}
