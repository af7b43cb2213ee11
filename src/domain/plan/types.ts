import type { ClusterManifest, PlanName, Provider, Role } from '../manifest/types.js';

/** Status of a node as observed (DESIGN §4). */
export type NodeStatus = 'provisioning' | 'running' | 'draining' | 'deleting' | 'unhealthy' | 'error';

/** One node as it really exists: a provider VM carrying our tags, plus what we know of it. */
export interface ActualNode {
  id: string;
  role: Role;
  plan: PlanName;
  status: NodeStatus;
  /** The provider's id for the VM (droplet id, server id, instance id). */
  providerId: string;
  ip?: string;
  /** ISO time the VM was created; newest workers go first on scale-down. */
  createdAt: string;
  /** What the orchestrator says of the node, once it has been asked. */
  orchestratorStatus?: OrchestratorStatus;
}

/** A node's standing in the orchestrator: joined and ready, joined but not ready, being drained, or not joined yet. */
export type OrchestratorStatus = 'ready' | 'not-ready' | 'draining' | 'not-joined';

/** What exists for one cluster. */
export interface ActualCluster {
  nodes: ActualNode[];
  /** True once the orchestrator control plane was initialised (swarm init / k3s server). */
  initialized: boolean;
  /** Highest node number ever handed out in this cluster (ids are never reused); 0 if none. */
  lastNodeNumber: number;
  /** The managers of a control plane that was lost: the next init bootstraps a new one (absent otherwise). */
  lostManagers?: readonly string[];
}

/** Input to the planner. `desired` is null when the manifest is gone (delete the cluster). */
export interface PlanInput {
  clusterId: string;
  clusterName: string;
  desired: ClusterManifest | null;
  actual: ActualCluster;
  /** Nodes unhealthy for longer than the operator allows: replaced one at a time. */
  remediate?: readonly string[];
  /**
   * Where the cluster runs. Only read when `desired` is null, to price the nodes that are
   * about to go; otherwise the manifest's provider and region apply.
   */
  provider?: Provider;
  region?: string;
}

export type PlanAction =
  | { type: 'createNode'; nodeId: string; role: Role; plan: PlanName; reason: string }
  /** `recreate`: the old control plane was lost (these managers are gone) and a new one is bootstrapped. */
  | { type: 'initCluster'; nodeId: string; reason: string; recreate?: { lost: string[] } }
  | {
      type: 'replaceNode';
      nodeId: string;
      newNodeId: string;
      role: Role;
      fromPlan: PlanName;
      plan: PlanName;
      reason: string;
    }
  | { type: 'deleteNode'; nodeId: string; role: Role; plan: PlanName; drain: boolean; reason: string }
  | { type: 'deleteCluster'; reason: string };

/** A change the planner refuses to make; the plan carries it instead of throwing. */
export interface PlanError {
  /** `ImmutableFieldChanged`: provider, region, orchestrator or organizationId differs from what the cluster was created with. */
  reason: 'QuorumLoss' | 'QuorumLost' | 'ImmutableFieldChanged';
  message: string;
}

/**
 * A plan is a value: the ordered actions that converge actual to desired, each with a reason.
 * When `errors` is non-empty the plan is refused and `actions` is empty.
 */
export interface Plan {
  clusterId: string;
  clusterName: string;
  actions: PlanAction[];
  errors: PlanError[];
  warnings: string[];
  quorum: { managersBefore: number; managersAfter: number; quorumBefore: number; quorumAfter: number };
  /**
   * Monthly list prices from the provider catalogue. `includes` says what they cover (the VM,
   * and per provider its IPv4 and root volume); `unverified` when any figure behind them was not
   * read from the provider itself.
   */
  cost: { currency: 'USD' | 'EUR'; monthlyBefore: number; monthlyAfter: number; includes?: string; unverified?: true };
}
