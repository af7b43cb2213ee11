import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clusterops } from '../../../src/main.js';
import { TAG } from '../../../src/providers/ownership.js';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';
import { converged, group, manifest, startDaemon, TestRepo, vmsOf } from './harness.js';

/**
 * Issue 16 item 6: listings lag behind creates (EC2's eventual consistency; DigitalOcean's tag
 * listings). The emulators leave a new VM out of their listings for 1.5 s while the daemon passes
 * every 50 ms: a create the provider answered stays journaled, with its VM's id, until a listing
 * shows the VM, so no pass asks for the node twice.
 */
describe.each([
  ['aws', 'us-east-1'],
  ['digitalocean', 'sfo3'],
] as const)('a %s listing that lags behind creates', (provider, region) => {
  let repo: TestRepo;
  let sim: SimCloud;
  let dataDir: string;
  let co: Clusterops | undefined;
  beforeEach(async () => {
    repo = new TestRepo();
    sim = await startSimCloud({ bootMs: 100, deleteMs: 50, listingLagMs: 1_500 });
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-lag-'));
  });
  afterEach(async () => {
    await co?.close();
    co = undefined;
    await sim.close();
    repo.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates each node once, and the journaled intents go once the VMs are listed', async () => {
    repo.push({ 'clusters/web.yaml': manifest('web', { id: 'cluster_web', provider, region, groups: [group('manager', 'small', 1), group('worker', 'small', 2)].join('\n') }) });
    co = await startDaemon(repo, sim, dataDir);
    await converged(co, 'cluster_web', 3);
    const nodes = vmsOf(sim, 'cluster_web').map((v) => v.tags[TAG.node]).sort();
    expect(nodes).toEqual(['node_001', 'node_002', 'node_003']);
    expect(co.store.cluster('cluster_web')!.intents).toEqual([]);
    expect(co.store.cluster('cluster_web')!.lastNodeNumber).toBe(3);
  });
});
