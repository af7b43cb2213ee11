import { randomBytes } from 'node:crypto';
import type { Provider } from '../domain/manifest/types.js';
import { startAwsEmulator, type AwsEmulator } from './aws/index.js';
import type { Clock } from './common/clock.js';
import { FaultInjector } from './common/faults.js';
import { IpPool, type IpAllocator } from './common/ip-pool.js';
import type { RunningEmulator, SimCredentials, VmHooks } from './common/types.js';
import { startDigitalOceanEmulator, type DigitalOceanEmulator, type DigitalOceanEmulatorOptions } from './digitalocean/index.js';
import { startHetznerEmulator, type HetznerEmulator, type HetznerEmulatorOptions } from './hetzner/index.js';
import { openSimState, type SimStatePart } from './state/persisted-cloud.js';

/** The demo's simulated-cloud state file, in the data directory. */
export const SIM_STATE_FILE = 'sim-state.json';

export type { SimCredentials } from './common/types.js';

export interface SimCloudOptions {
  /** First port; the emulators take base, base+1, base+2. 0 (default) picks free ports. */
  portBase?: number;
  /** Time from create to running and from delete to gone. */
  bootMs?: number;
  deleteMs?: number;
  clock?: Clock;
  /** One address pool for all providers, so simulated IPs never collide (an IpPool when `state` is set). */
  ips?: IpAllocator;
  hooks?: VmHooks;
  rateLimitScale?: number;
  /** How long new VMs are missing from DigitalOcean and EC2 listings (eventual consistency); default 0. */
  listingLagMs?: number;
  /** Fixed credentials (tests); the saved ones with `state`, random ones otherwise. */
  credentials?: SimCredentials;
  /**
   * Keeps the cloud in this file (format: src/sim/state/state-file.ts): resumed from at start
   * (SimStateError when it is unusable), saved durably after every change, before the answer.
   */
  state?: string;
  /** More of the simulated world saved in the same file, by key (the demo's machines). */
  stateParts?: Record<string, SimStatePart>;
  /** DigitalOcean's account limits (droplet limit 25, 10 creates at a time by default). */
  digitalocean?: Pick<DigitalOceanEmulatorOptions, 'dropletLimit' | 'concurrentCreateLimit'>;
  /** Hetzner server types out of stock per location (none by default). */
  hetzner?: Pick<HetznerEmulatorOptions, 'unavailable'>;
}

/** One emulator per provider, each with the simulated account behind its credentials. */
export interface SimEmulators extends Record<Provider, RunningEmulator> {
  digitalocean: DigitalOceanEmulator;
  hetzner: HetznerEmulator;
  aws: AwsEmulator;
}

/** The simulated cloud: one emulator per provider, sharing an IP pool and hooks. */
export interface SimCloud {
  emulators: SimEmulators;
  credentials: SimCredentials;
  /** The endpoints as the SDKs take them. */
  endpoints(): Record<Provider, string>;
  /** Saves the state file now (when there is one and anything changed). */
  save(): void;
  close(): Promise<void>;
}

/** Starts the whole simulated cloud on loopback. */
export async function startSimCloud(options: SimCloudOptions = {}): Promise<SimCloud> {
  const ips = options.ips ?? new IpPool();
  const persisted = options.state === undefined ? undefined : openSimState(options.state, ips, options.stateParts ?? {});
  const credentials = options.credentials ?? persisted?.credentials() ?? randomCredentials();
  const common = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ips,
    bootMs: options.bootMs ?? 0,
    deleteMs: options.deleteMs ?? 0,
    rateLimitScale: options.rateLimitScale ?? 1,
    ...(options.listingLagMs ? { listingLagMs: options.listingLagMs } : {}),
    afterRequest: () => persisted?.save(),
  };
  const tokens: Record<Provider, string> = { digitalocean: credentials.digitalocean.token, hetzner: credentials.hetzner.token, aws: credentials.aws.accessKeyId };
  const started: RunningEmulator[] = [];
  const start = async <E extends RunningEmulator>(emulator: Promise<E>): Promise<E> => {
    const e = await emulator;
    started.push(e);
    return e;
  };
  let digitalocean: DigitalOceanEmulator, hetzner: HetznerEmulator, aws: AwsEmulator;
  try {
    const settings = (i: number, provider: Provider) => ({
      ...common,
      ...(options.portBase ? { port: options.portBase + i } : {}),
      faults: new FaultInjector(),
      credentials: [tokens[provider]],
      ...persisted?.resumeOf(provider),
    });
    digitalocean = await start(startDigitalOceanEmulator({ ...settings(0, 'digitalocean'), ...options.digitalocean }));
    hetzner = await start(startHetznerEmulator({ ...settings(1, 'hetzner'), ...options.hetzner }));
    aws = await start(startAwsEmulator(settings(2, 'aws')));
    await persisted?.resumed(credentials, started);
  } catch (err) {
    await Promise.all(started.map((e) => e.close()));
    throw persisted ? persisted.explain(err) : err;
  }
  return {
    emulators: { digitalocean, hetzner, aws },
    credentials,
    endpoints: () => ({ digitalocean: digitalocean.endpoint, hetzner: hetzner.endpoint, aws: aws.endpoint }),
    save: () => persisted?.save(),
    close: async () => {
      persisted?.close();
      await Promise.all(started.map((e) => e.close()));
    },
  };
}

function randomCredentials(): SimCredentials {
  const hex = (n: number) => randomBytes(n).toString('hex');
  return {
    digitalocean: { token: `sim_do_${hex(16)}` },
    hetzner: { token: `sim_hz_${hex(16)}` },
    aws: { accessKeyId: `SIMAKID${hex(6).toUpperCase()}`, secretAccessKey: hex(20) },
  };
}
