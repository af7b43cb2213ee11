import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServeConfig } from '../../src/config.js';
import type { Provider } from '../../src/domain/manifest/types.js';
import { silentLogger } from '../../src/logger.js';
import { createOrchestration } from '../../src/orchestration.js';
import { createProviderAdapters } from '../../src/providers/registry.js';
import { createDaemon } from '../../src/reconcile/daemon.js';
import { createObservationCache } from '../../src/reconcile/observation.js';
import { reconcileCluster } from '../../src/reconcile/reconciler.js';
import type { ReconcilerDeps } from '../../src/reconcile/types.js';
import { createGitSource } from '../../src/sources/git-source.js';
import { openStore, type Store } from '../../src/store/store.js';
import type { StoreData } from '../../src/store/types.js';
import { waitUntil } from './daemon.js';

/**
 * Set-up only, never measured: has the real reconciler adopt the seeded fleet with its store held
 * in memory, then writes that store to `<dataDir>/state.json` for clusterops to start from. The
 * real store rewrites its whole JSON file on every change (≈ 3.5 MB at 1,000 clusters, several
 * changes per cluster while it is adopted), which makes adopting 1,000 clusters take many minutes;
 * the benchmarks measure what comes after.
 */
export async function adoptInMemory(config: ServeConfig, done: (store: Store) => boolean): Promise<void> {
  const path = join(config.dataDir, 'state.json');
  const real = await openStore(path);
  const data: StoreData = { version: 1, instanceId: real.instanceId, clusters: {} };
  const store: Store = {
    ...real,
    cluster: (id) => data.clusters[id],
    clusters: () => Object.values(data.clusters),
    update: async (fn) => fn(data),
    addEvent: async (clusterId, event, at) => {
      data.clusters[clusterId]?.events.push({ at, ...event });
    },
  };
  const log = silentLogger;
  const providers = createProviderAdapters(config.credentials, { ownerId: store.instanceId, endpoints: config.endpoints });
  const observations = createObservationCache(providers);
  const orchestration = await createOrchestration(config, log);
  const identity = { name: 'clusterops', email: 'clusterops@localhost' };
  const git = createGitSource({ url: config.repo!, branch: config.branch, workDir: join(config.dataDir, 'adopt-clone'), author: identity });
  await git.open();
  const deps: ReconcilerDeps = {
    store,
    providers,
    observations,
    orchestrators: orchestration.orchestrators,
    desired: () => daemon.desired(),
    // The seeded VMs do not change while they are adopted: one listing serves every pass, so
    // adoption spends none of the providers' rate budgets the measured passes need.
    limits: { createConcurrency: 10, observeMaxAgeMs: 600_000, requeueMs: 50, unhealthyReplaceAfterMs: config.unhealthyReplaceAfterMs },
    now: () => new Date(),
    newToken: () => `ct-${randomBytes(12).toString('hex')}`,
    log,
  };
  const daemon = createDaemon({
    source: { poll: () => git.poll() },
    store,
    observations,
    providers: Object.keys(providers) as Provider[],
    reconcile: (id) => reconcileCluster(deps, id),
    log,
    identity,
    pollIntervalMs: 3_600_000,
    concurrency: config.concurrency,
  });
  try {
    await daemon.start();
    await waitUntil('the fleet to be adopted', () => done(store), 600_000, 50);
    await daemon.controller.idle();
  } finally {
    await daemon.stop();
    await orchestration.close();
  }
  await writeFile(path, JSON.stringify(data, null, 2));
}
