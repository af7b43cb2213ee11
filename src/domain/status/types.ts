import type { PlanName, Role } from '../manifest/types.js';
import type { NodeStatus, OrchestratorStatus } from '../plan/types.js';

/** The seed's cluster status values (DESIGN §4). */
export type ClusterStatus = 'provisioning' | 'running' | 'degraded' | 'updating' | 'deleting' | 'error';

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';

/** A Kubernetes-style condition: what is true, why (PascalCase reason) and a sentence. */
export interface Condition {
  type: ConditionType;
  status: boolean;
  reason: string;
  message: string;
  /** The Git revision this condition was computed against. */
  observedRevision: string;
}

/** A node as users see it (seed `cluster.one`), plus where it came from. */
export interface NodeView {
  id: string;
  role: Role;
  plan: PlanName;
  ip: string | null;
  status: NodeStatus;
  /** Joined and ready, not ready, draining, or not joined yet (absent before the first check). */
  orchestratorStatus?: OrchestratorStatus;
}

/** Everything users are told about a cluster after a pass. */
export interface ClusterStatusView {
  status: ClusterStatus;
  conditions: Condition[];
  nodes: NodeView[];
  observedRevision: string;
  lastError: string | null;
  /** Desired node count from the manifest (0 when deleting). */
  desiredNodes: number;
}
