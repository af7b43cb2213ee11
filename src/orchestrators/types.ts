import type { Orchestrator } from '../domain/manifest/types.js';
import type { ActualNode } from '../domain/plan/types.js';

/** The cluster an orchestrator operation runs in. */
export interface OrchestratorCluster {
  clusterId: string;
  orchestrator: Orchestrator;
  /** Running managers, for joining and draining through a manager. */
  managers: ActualNode[];
}

/**
 * Bootstraps and maintains the orchestrator on a cluster's VMs (DESIGN §7). Failure contract:
 * every method is idempotent (safe to call again after a crash); `drain` throws `WaitingError`
 * while workloads are still moving; errors are `TransientError` / `WaitingError` / `StalledError`.
 */
export interface OrchestratorAdapter {
  /** Initialises the control plane on the first manager. */
  init(cluster: OrchestratorCluster, node: ActualNode): Promise<void>;
  /** Joins a running VM to the cluster in its role. */
  join(cluster: OrchestratorCluster, node: ActualNode): Promise<void>;
  /** Moves workloads off a node; resolves once they have moved. */
  drain(cluster: OrchestratorCluster, node: ActualNode): Promise<void>;
  /** Takes a node out of the cluster (demoting a manager first); the VM is deleted after. */
  remove(cluster: OrchestratorCluster, node: ActualNode): Promise<void>;
}

/**
 * VM-level lifecycle only: nothing to bootstrap or drain. Used until an orchestrator adapter
 * (swarm, k3s over SSH) is configured, so clusters converge at the VM level.
 */
export const vmOnlyOrchestrator: OrchestratorAdapter = {
  init: async () => undefined,
  join: async () => undefined,
  drain: async () => undefined,
  remove: async () => undefined,
};
