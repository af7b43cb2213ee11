import type { ClusterManifest, Provider } from '../domain/manifest/types.js';
import type { Logger } from '../logger.js';
import type { OrchestratorAdapter } from '../orchestrators/types.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Store } from '../store/store.js';
import type { ClusterRecord } from '../store/types.js';
import type { ObservationCache } from './observation.js';

/** A cluster as the latest snapshot declares it. */
export type DesiredEntry =
  | { kind: 'valid'; manifest: ClusterManifest & { id: string }; hash: string; /** Its path (`clusters/<name>.yaml` or `clusters/<name>.<org>.yaml`). */ file: string }
  /** `pending`: no error, the daemon is committing a fix (a removed id) and nothing is done until it lands. */
  /** `file`: the file it was read from (a misplaced one too), so a write or removal touches that file and no other. */
  | { kind: 'invalid'; name: string; message: string; hash: string; file: string; pending?: boolean };

/** The desired state the reconciler reads at the start of every pass. */
export interface DesiredView {
  revision: string;
  /** undefined: the cluster is not in the snapshot (its manifest was removed). */
  get(clusterId: string): DesiredEntry | undefined;
  /** A message when this cluster's deletion is held back (mass-deletion guard). */
  deletionHeld(clusterId: string): string | undefined;
  /** The provider of a cluster known only from VM tags (no manifest, no record). */
  orphanProvider(clusterId: string): Provider | undefined;
}

export interface ReconcileLimits {
  /** Provider creates in flight at once, per cluster pass. */
  createConcurrency: number;
  /** How old a shared provider listing may be for a pass. */
  observeMaxAgeMs: number;
  /** When to look again while something is in progress. */
  requeueMs: number;
  /** A joined node not ready for this long is replaced (a new one joins first). */
  unhealthyReplaceAfterMs: number;
}

/** Everything a pass needs; built once in main.ts. */
export interface ReconcilerDeps {
  store: Store;
  providers: Partial<Record<Provider, ProviderAdapter>>;
  observations: ObservationCache;
  orchestrators: Record<ClusterManifest['orchestrator'], OrchestratorAdapter>;
  desired: () => DesiredView;
  limits: ReconcileLimits;
  now: () => Date;
  /** A fresh provider request token (journaled before each create). */
  newToken: () => string;
  log: Logger;
  /** What every new VM gets: clusterops' SSH public key and cloud-init user data per orchestrator. */
  vmSetup?: { sshPublicKey?: string; userData?: (orchestrator: ClusterManifest['orchestrator']) => string };
  /**
   * A VM was deleted (`vmId` is the provider's id, `ip` its last address): forget what was pinned
   * to reach it (its SSH host key), so a new VM that gets the address is not judged by it.
   */
  forgetHostKey?: (vmId: string, ip?: string) => void;
  /**
   * Called after every pass with the record as saved (status writer, metrics). For a removed
   * cluster, a promise of false (the status file could not be removed yet) keeps its record,
   * so the removal is tried again; the status writer's `publish` returns exactly that.
   */
  onPassEnd?: (record: ClusterRecord, removed: boolean) => void | Promise<boolean>;
}
