import type { Provider } from '../../domain/manifest/types.js';
import type { Clock } from './clock.js';
import type { FaultInjector } from './faults.js';
import type { IpAllocator } from './ip-pool.js';

/** A simulated VM as tests and the demo see it: the state of the simulated world. */
export interface SimVmView {
  provider: Provider;
  id: string;
  name: string;
  region: string;
  size: string;
  /** The provider's own status word (new/active, initializing/running, pending/running …). */
  status: string;
  ip: string | null;
  /** Tags as key/value (DigitalOcean `k:v` string tags are split). */
  tags: Record<string, string>;
  createdAt: string;
  /**
   * DigitalOcean and Hetzner: whether the create named a key registered with the provider in
   * `ssh_keys`. Without one the provider sets an expiring root password, and the simulated
   * machine refuses commands until it is changed. Absent (no opinion) for seeded VMs and AWS.
   */
  providerSshKey?: boolean;
}

/** Called when a simulated VM appears or goes, so later tiers can attach a real host (SSH) to it. */
export interface VmHooks {
  created?(vm: SimVmView): void;
  deleted?(vm: SimVmView): void;
}

/** Options every emulator takes. */
export interface EmulatorOptions {
  /** Accepted API credentials: bearer tokens (DO, Hetzner) or access key ids (EC2). */
  credentials: string[];
  clock?: Clock;
  ips?: IpAllocator;
  faults?: FaultInjector;
  hooks?: VmHooks;
  /** Time from create to running, and from delete to gone (ms). Default 0 (tests); the demo sets seconds. */
  bootMs?: number;
  deleteMs?: number;
  /** Loopback port to listen on; 0 or absent picks a free one. */
  port?: number;
  /** Scale factor on the provider's rate limits (1 = as documented; tests may raise it). */
  rateLimitScale?: number;
  /**
   * How long a new VM is missing from the API's listings (DigitalOcean tag listings; EC2, where
   * Describe by id does not know it either), as real clouds are eventually consistent. Default 0.
   */
  listingLagMs?: number;
  /** Resume from what `RunningEmulator.snapshot()` gave (read back from a file); absent: start empty. */
  resume?: unknown;
  /** Called after every API request the emulator served, before its answer is sent (to persist it). */
  afterRequest?: () => void;
}

/** API requests an emulator received since it started, per operation, and how many of them were writes. */
export interface RequestCounts {
  operations: Record<string, number>;
  /** Requests of the operations that change VMs (create, delete, tag). */
  writes: number;
}

/** A running emulator: its base URL (as the SDK's endpoint takes it), its state, its faults. */
export interface RunningEmulator {
  provider: Provider;
  /** Base URL for the SDK: DO `http://…/v2`, Hetzner `http://…/v1`, EC2 `http://…`. */
  endpoint: string;
  faults: FaultInjector;
  /** Every VM that still exists (deleted ones drop out once gone; EC2 terminated ones are not listed). */
  vms(): SimVmView[];
  /** API requests received, by `"<METHOD> <operation>"` (see `RunningServer.calls`). */
  calls(): Readonly<Record<string, number>>;
  /** Creates a VM directly in the emulator's state (for foreign-owner and pagination set-ups). */
  seedVm(input: { region: string; size: string; name: string; tags: Record<string, string> }): SimVmView;
  /** Everything the emulator holds, as JSON-ready data for `resume` (rate-limit windows and faults excepted). */
  snapshot(): unknown;
  /** Also `GET /__sim/requests`. */
  requests(): RequestCounts;
  close(): Promise<void>;
}

/** Credentials the simulated cloud accepts, as the real SDKs take them. */
export interface SimCredentials {
  digitalocean: { token: string };
  hetzner: { token: string };
  aws: { accessKeyId: string; secretAccessKey: string };
}
