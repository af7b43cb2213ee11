import type { PlanName, Provider, Role } from '../domain/manifest/types.js';

/** What a VM looks like to the reconciler, whatever the provider. */
export type VmStatus = 'provisioning' | 'running' | 'stopped' | 'deleting' | 'error';

/**
 * A VM found on a provider by our ownership tags (DESIGN §3). Only VMs whose tags name this
 * clusterops instance as owner are ever returned.
 */
export interface ObservedVm {
  provider: Provider;
  /** Droplet id, server id or instance id, as a string. */
  providerId: string;
  region: string;
  name: string;
  clusterId: string;
  nodeId: string;
  role: Role;
  plan: PlanName;
  /** The request token of the create that made it, when the provider keeps it (tag / label / ClientToken). */
  requestToken?: string;
  status: VmStatus;
  ip?: string;
  createdAt: string;
}

/** A VM to create. `requestToken` is journaled before the call so a retry after a crash finds the VM. */
export interface CreateVmRequest {
  region: string;
  clusterId: string;
  clusterName: string;
  nodeId: string;
  role: Role;
  plan: PlanName;
  /** The provider size from the catalogue (slug / server type / instance type). */
  size: string;
  /** 1–63 characters of `[A-Za-z0-9._-]`; the same token always means the same VM. */
  requestToken: string;
  /** cloud-init user data, if any. */
  userData?: string;
  /** OpenSSH public key to authorise on the VM. */
  sshPublicKey?: string;
}

/**
 * One cloud account, behind one narrow interface. Failure contract:
 * - every method throws only `TransientError` (rate limits, 5xx, timeouts: retry later),
 *   `StalledError` (credentials, quota, conflicts with foreign resources: needs a person),
 *   never a raw SDK error, and never a message containing a credential;
 * - `create` is idempotent per `requestToken`: calling it again after any failure (or from a
 *   new process after a crash) returns the VM the first call made instead of making another.
 *   If it throws, a VM may or may not exist; calling again with the same token resolves it;
 * - `delete` treats NotFound as success and refuses VMs this instance does not own;
 * - `observe` follows every page, in as few calls as pagination allows.
 */
export interface ProviderAdapter {
  readonly provider: Provider;
  /** Every VM this instance owns in the given regions. */
  observe(regions: readonly string[]): Promise<ObservedVm[]>;
  create(request: CreateVmRequest): Promise<ObservedVm>;
  delete(vm: Pick<ObservedVm, 'providerId' | 'region'>): Promise<void>;
  /**
   * One VM by its id, read directly (not through a listing, which may lag behind a create):
   * null when the provider does not know it, or it is not owned by this instance.
   */
  get(vm: Pick<ObservedVm, 'providerId' | 'region'>): Promise<ObservedVm | null>;
}

/** One provider API call, for metrics and benchmarks (calls per reconcile). */
export interface ProviderCall {
  provider: Provider;
  operation: string;
  /** HTTP status, or 0 when no response came (timeout, dropped connection). */
  status: number;
  durationMs: number;
  /** The provider's remaining request budget after this call (`ratelimit-remaining`), when it says. */
  rateLimitRemaining?: number;
}

/** Receives every provider API call an adapter makes. */
export interface ProviderCallRecorder {
  record(call: ProviderCall): void;
}

/** Settings every adapter takes besides its credentials. */
export interface AdapterOptions {
  /** This clusterops instance's id, written into every VM's owner tag. */
  ownerId: string;
  /** API base URL (the simulated cloud, or a proxy); the provider's public URL when absent. */
  endpoint?: string;
  recorder?: ProviderCallRecorder;
  /** Per-request timeout. */
  timeoutMs?: number;
}
