import { join } from 'node:path';
import { readServeConfig, type ServeConfig } from '../../src/config.js';
import type { Provider } from '../../src/domain/manifest/types.js';
import { silentLogger } from '../../src/logger.js';
import { startClusterops, type Clusterops } from '../../src/main.js';
import type { SimCloud, SimCredentials } from '../../src/sim/cloud.js';
import { openStore } from '../../src/store/store.js';

/**
 * The configuration benchmarks run clusterops with: the defaults of `clusterops serve --repo`
 * (poll every 30 s, requeue 2 s, 8 passes at once, status commits on), nodes as plain VMs
 * (nothing to join over SSH), silent logs, a free port.
 */
export function benchConfig(remote: string, dataDir: string, cloud: { endpoints: Record<Provider, string>; credentials: SimCredentials }, over: Partial<ServeConfig> = {}): ServeConfig {
  const base = readServeConfig({ repo: remote, 'data-dir': dataDir, port: '0', 'log-level': 'silent' }, {}, false);
  return { ...base, orchestration: 'vm-only', credentials: cloud.credentials, endpoints: cloud.endpoints, ...over };
}

export function startDaemon(config: ServeConfig, sim?: SimCloud): Promise<Clusterops> {
  return startClusterops(config, { log: silentLogger, ...(sim ? { sim } : {}) });
}

/** The owner id the daemon of `dataDir` will tag its VMs with (its store is created now if absent). */
export async function ownerIdOf(dataDir: string): Promise<string> {
  return (await openStore(join(dataDir, 'state.json'))).instanceId;
}

/** Polls `check` every few ms until it holds. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 120_000, everyMs = 2): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
