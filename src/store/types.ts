import type { Orchestrator, PlanName, Provider, Role } from '../domain/manifest/types.js';
import type { ClusterStatusView } from '../domain/status/types.js';

/**
 * A write the reconciler is about to make, recorded before the provider call (DESIGN §3) so a
 * crash at any point resumes it instead of repeating or forgetting it.
 */
export type Intent =
  /**
   * `providerId`: the provider answered the create with this VM (at `answeredAt`). The intent stays
   * until a listing shows the VM (listings lag behind creates on EC2 and DigitalOcean), so no pass
   * asks for it twice.
   */
  | { kind: 'create'; nodeId: string; role: Role; plan: PlanName; region: string; size: string; requestToken: string; at: string; providerId?: string; answeredAt?: string }
  | { kind: 'delete'; nodeId: string; providerId: string; region: string; at: string };

/** One line of a cluster's history, shown to users (bounded per cluster). */
export interface ClusterEvent {
  at: string;
  type: 'created' | 'joined' | 'drained' | 'deleted' | 'initialized' | 'error' | 'info';
  nodeId?: string;
  message: string;
}

/** The organization an `orphan` record shows (never used to decide anything). */
export const UNKNOWN_ORGANIZATION = 'org_unknown';

/** What the daemon remembers about one cluster between passes and across restarts. */
export interface ClusterRecord {
  id: string;
  name: string;
  /**
   * The manifest's path at the last pass that saw it. Names are per organization, so the file (and
   * the status file, which follows its stem) may be `<name>.<organizationId>.yaml`; absent: `<name>.yaml`.
   */
  manifestFile?: string;
  /** The manifest's organization; `UNKNOWN_ORGANIZATION` (display only) while `orphan`. */
  organizationId: string;
  /**
   * Made from VM tags alone: no manifest has named this cluster since clusterops met its VMs, so
   * its organization and orchestrator are unknown. The API and PR reports show no such record;
   * it is cleared when a manifest names the cluster.
   */
  orphan?: true;
  provider: Provider;
  region: string;
  orchestrator: Orchestrator;
  createdAt: string;
  /** Highest node number ever handed out; ids are never reused. */
  lastNodeNumber: number;
  /** The orchestrator control plane has been initialised. */
  initialized: boolean;
  intents: Intent[];
  /** The last status derived (nodes as last observed). */
  status: ClusterStatusView | null;
  updatedAt: string;
  events: ClusterEvent[];
  /** Our node id → the orchestrator's member id (swarm node ID / Kubernetes node name), set on join. */
  members?: Record<string, string>;
  /** Since when each joined node has been not ready (ISO time), for remediation. */
  unhealthySince?: Record<string, string>;
  /** The mass-deletion guard holds this cluster's deletion since `revision` (until confirmed or the manifest is back). */
  deletionHold?: { revision: string; since: string };
  /** An org admin confirmed the held deletion of `revision` (`cluster.confirmDeletion`); dropped when the manifest is back. */
  deletionConfirmation?: { revision: string; by: string; at: string };
  /**
   * Every manager of the initialised control plane was lost (DESIGN §7): a new control plane is
   * (or was) bootstrapped, and the nodes that survived leave the old one and join it.
   */
  controlPlaneLoss?: ControlPlaneLoss;
  /** Since when no joined manager of the initialised control plane has answered (ISO time); absent while one does. */
  managersUnreachableSince?: string;
  /**
   * An admin of the cluster's organization approved moving it to organization `to`
   * (`cluster.transfer`); the daemon accepts that `organizationId` change in Git, then clears it.
   */
  transfer?: { to: string; by: string; at: string };
}

/** A lost control plane and its recovery, as journaled (each step is resumable after a crash). */
export interface ControlPlaneLoss {
  /** When the loss was detected. */
  at: string;
  /** The managers that were lost (their VMs gone, or unreachable past the replacement window). */
  lost: string[];
  /** Nodes that were members of the lost control plane and have not joined the new one yet (they leave the old one first). */
  rejoin: string[];
  /** The node the new control plane was bootstrapped on, and when. */
  recreatedOn?: string;
  recreatedAt?: string;
}

/** The whole store file. */
export interface StoreData {
  version: 1;
  /** This clusterops instance's id: the owner tag on every VM it creates. */
  instanceId: string;
  clusters: Record<string, ClusterRecord>;
}
