import type { Orchestrator } from '../domain/manifest/types.js';
import type { ActualNode } from '../domain/plan/types.js';

/** A node as the orchestrator sees it. */
export interface Member {
  /** The orchestrator's id for the node: the swarm node ID, or the Kubernetes node name. */
  memberId: string;
  /** Ready (swarm `Ready`, Kubernetes `Ready`); false for Down / NotReady / Unknown. */
  ready: boolean;
  manager: boolean;
  /** Swarm `drain` / Kubernetes `SchedulingDisabled`. */
  draining: boolean;
}

/** The cluster an orchestrator operation runs in. */
export interface OrchestratorCluster {
  clusterId: string;
  orchestrator: Orchestrator;
  /** Running managers that have joined, for tokens, listing and removals through a manager. */
  managers: ActualNode[];
  /** Our node id → the orchestrator's member id, as recorded when each node joined. */
  members: Readonly<Record<string, string>>;
}

/**
 * Bootstraps and maintains the orchestrator on a cluster's VMs over SSH (DESIGN §7). Failure
 * contract: every method is idempotent (safe to call again after a crash: `init` on an
 * initialised node and `join` on a joined node return its member id); `drain` throws
 * `WaitingError` while workloads are still moving and `StalledError('DrainTimeout')` naming the
 * blocking task or pod once its bounded wait is over; errors are `TransientError`,
 * `WaitingError` or `StalledError`; join tokens never appear in errors or logs.
 */
export interface OrchestratorAdapter {
  /** Initialises the control plane on the first manager; returns its member id. */
  init(cluster: OrchestratorCluster, node: ActualNode): Promise<string>;
  /** Joins a running VM in its role; returns its member id. */
  join(cluster: OrchestratorCluster, node: ActualNode): Promise<string>;
  /** Every member as a manager sees it (one call per pass). */
  members(cluster: OrchestratorCluster): Promise<Member[]>;
  /** Moves workloads off a node; resolves once they have moved. */
  drain(cluster: OrchestratorCluster, node: ActualNode): Promise<void>;
  /** Takes a node out of the cluster (demoting a manager first, never below quorum). */
  remove(cluster: OrchestratorCluster, node: ActualNode): Promise<void>;
  /**
   * Makes a node forget a control plane that is gone (every manager lost), on the node alone, so
   * it can join a new one: Swarm `swarm leave --force`, k3s uninstall. A node in no cluster is left as it is.
   */
  leave(node: ActualNode): Promise<void>;
}

/**
 * VM-level lifecycle only: nothing to bootstrap or drain; every running VM counts as a ready
 * member. Used when no orchestrator over SSH is configured.
 */
export const vmOnlyOrchestrator: OrchestratorAdapter = {
  init: async (_c, node) => node.id,
  join: async (_c, node) => node.id,
  members: async (cluster) => Object.values(cluster.members).map((memberId) => ({ memberId, ready: true, manager: false, draining: false })),
  drain: async () => undefined,
  remove: async () => undefined,
  leave: async () => undefined,
};
