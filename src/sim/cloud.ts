import { randomBytes } from 'node:crypto';
import type { Provider } from '../domain/manifest/types.js';
import { startAwsEmulator } from './aws/index.js';
import type { Clock } from './common/clock.js';
import { FaultInjector } from './common/faults.js';
import { IpPool, type IpAllocator } from './common/ip-pool.js';
import type { RunningEmulator, VmHooks } from './common/types.js';
import { startDigitalOceanEmulator, type DigitalOceanEmulatorOptions } from './digitalocean/index.js';
import { startHetznerEmulator, type HetznerEmulatorOptions } from './hetzner/index.js';

/** Credentials the simulated cloud accepts, as the real SDKs take them. */
export interface SimCredentials {
  digitalocean: { token: string };
  hetzner: { token: string };
  aws: { accessKeyId: string; secretAccessKey: string };
}

export interface SimCloudOptions {
  /** First port; the emulators take base, base+1, base+2. 0 (default) picks free ports. */
  portBase?: number;
  /** Time from create to running and from delete to gone. */
  bootMs?: number;
  deleteMs?: number;
  clock?: Clock;
  /** One address pool for all providers, so simulated IPs never collide. */
  ips?: IpAllocator;
  hooks?: VmHooks;
  rateLimitScale?: number;
  /** Fixed credentials (tests); random ones otherwise. */
  credentials?: SimCredentials;
  /** DigitalOcean's account limits (droplet limit 25, 10 creates at a time by default). */
  digitalocean?: Pick<DigitalOceanEmulatorOptions, 'dropletLimit' | 'concurrentCreateLimit'>;
  /** Hetzner server types out of stock per location (none by default). */
  hetzner?: Pick<HetznerEmulatorOptions, 'unavailable'>;
}

/** The simulated cloud: one emulator per provider, sharing an IP pool and hooks. */
export interface SimCloud {
  emulators: Record<Provider, RunningEmulator>;
  credentials: SimCredentials;
  /** The endpoints as the SDKs take them. */
  endpoints(): Record<Provider, string>;
  close(): Promise<void>;
}

/** Starts the whole simulated cloud on loopback. */
export async function startSimCloud(options: SimCloudOptions = {}): Promise<SimCloud> {
  const credentials = options.credentials ?? randomCredentials();
  const ips = options.ips ?? new IpPool();
  const common = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ips,
    bootMs: options.bootMs ?? 0,
    deleteMs: options.deleteMs ?? 0,
    rateLimitScale: options.rateLimitScale ?? 1,
  };
  const port = (i: number) => (options.portBase ? { port: options.portBase + i } : {});
  const started: RunningEmulator[] = [];
  try {
    started.push(await startDigitalOceanEmulator({ ...common, ...options.digitalocean, ...port(0), faults: new FaultInjector(), credentials: [credentials.digitalocean.token] }));
    started.push(await startHetznerEmulator({ ...common, ...options.hetzner, ...port(1), faults: new FaultInjector(), credentials: [credentials.hetzner.token] }));
    started.push(await startAwsEmulator({ ...common, ...port(2), faults: new FaultInjector(), credentials: [credentials.aws.accessKeyId] }));
  } catch (err) {
    await Promise.all(started.map((e) => e.close()));
    throw err;
  }
  const [digitalocean, hetzner, aws] = started as [RunningEmulator, RunningEmulator, RunningEmulator];
  const emulators = { digitalocean, hetzner, aws };
  return {
    emulators,
    credentials,
    endpoints: () => ({ digitalocean: digitalocean.endpoint, hetzner: hetzner.endpoint, aws: aws.endpoint }),
    close: async () => {
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
