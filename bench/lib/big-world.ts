import type { ServeConfig } from '../../src/config.js';
import type { Clusterops } from '../../src/main.js';
import type { Store } from '../../src/store/store.js';
import { adoptInMemory } from './adopt.js';
import { benchConfig, ownerIdOf, startDaemon, waitUntil } from './daemon.js';
import { fleet, manifestFiles, nodeCount, type FleetCluster } from './fleet.js';
import { BenchRepo } from './repo.js';
import { since } from './report.js';
import { startSimProcess, type SimProcess } from './sim-process.js';

/** A repository of N clusters, a simulated cloud already running their VMs, and a daemon that has taken them in. */
export interface BigWorld {
  repo: BenchRepo;
  dataDir: string;
  sim: SimProcess;
  co: Clusterops;
  clusters: FleetCluster[];
  config: ServeConfig;
  /** From daemon start (on the adopted store) to settled: its first full pass, not measured. */
  warmUpMs: number;
  close(): Promise<void>;
}

/**
 * Builds the world the scale benchmarks measure: `size` manifests pushed in one commit, the
 * simulated cloud (its own process) seeded with their VMs as a previous clusterops left them,
 * and clusterops started on it and settled (records built, every cluster running).
 */
export async function startBigWorld(size: number, options: { beforeStart?: (dataDir: string) => Promise<void>; config?: Partial<ServeConfig> } = {}): Promise<BigWorld> {
  const clusters = fleet(size);
  const repo = await BenchRepo.create();
  const dataDir = await repo.dir('data');
  let sim: SimProcess | undefined;
  let co: Clusterops | undefined;
  try {
    sim = await startSimProcess({ bootMs: 0, fleet: { size, ownerId: await ownerIdOf(dataDir) } });
    await repo.write(manifestFiles(clusters));
    await repo.push(`${size} clusters`);
    await options.beforeStart?.(dataDir);
    const config = benchConfig(repo.remote, dataDir, sim, options.config);
    await adoptInMemory(config, (store) => notConverged(store, clusters).length === 0);
    const t0 = performance.now();
    co = await startDaemon(config);
    await settle(co, repo, clusters);
    const warmUpMs = since(t0);
    const [s, c] = [sim, co];
    return {
      repo,
      dataDir,
      sim,
      co,
      clusters,
      config,
      warmUpMs,
      close: async () => {
        await c.close();
        await s.close();
        await repo.cleanup();
      },
    };
  } catch (err) {
    await co?.close();
    await sim?.close();
    await repo.cleanup();
    throw err;
  }
}

/** Waits until every cluster runs as seeded and the daemon has taken in its own status commits. */
async function settle(co: Clusterops, repo: BenchRepo, clusters: readonly FleetCluster[]): Promise<void> {
  await waitUntil('the first passes to converge', () => notConverged(co.store, clusters).length === 0, 600_000, 100);
  for (let i = 0; i < 100; i++) {
    await co.daemon.controller.idle();
    await co.statusWriter?.flush();
    await co.daemon.pollNow();
    if (co.daemon.controller.depth === 0 && co.daemon.desired().revision === (await repo.head())) return;
  }
  throw new Error('the daemon never settled');
}

function notConverged(store: Store, clusters: readonly FleetCluster[]): FleetCluster[] {
  return clusters.filter((c) => {
    const s = store.cluster(c.id)?.status;
    return s?.status !== 'running' || s.nodes.length !== nodeCount(c);
  });
}
