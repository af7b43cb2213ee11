import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileDurably } from '../../../src/durable-file.js';
import { silentLogger } from '../../../src/logger.js';
import { startClusterops, type Clusterops } from '../../../src/main.js';
import type { SimCloud } from '../../../src/sim/cloud.js';
import { converged, group, manifest, simCloud, testConfig, TestRepo, waitFor, world } from './harness.js';

describe('a daemon whose disk fills up', () => {
  let repo: TestRepo;
  let sim: SimCloud;
  let co: Clusterops | undefined;
  let dataDir: string;

  beforeEach(async () => {
    repo = new TestRepo();
    sim = await simCloud();
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-full-'));
  });
  afterEach(async () => {
    await co?.close();
    await sim.close();
    repo.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates no VM while the store cannot be written (readiness fails), then converges once it can, without a duplicate', async () => {
    const disk = { full: false, failures: 0 };
    const storeWriteFile = async (path: string, text: string) => {
      if (disk.full) {
        disk.failures++;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      await writeFileDurably(path, text);
    };
    const web = (workers: number) => ({ 'clusters/web.yaml': manifest('web', { id: 'cluster_web', groups: [group('manager', 'small', 1), ...(workers ? [group('worker', 'small', workers)] : [])].join('\n') }) });
    repo.push(web(0));
    co = await startClusterops(testConfig(repo, sim, dataDir), { sim, log: silentLogger, storeWriteFile });
    await converged(co, 'cluster_web', 1);

    disk.full = true;
    repo.push(web(1), 'one worker');
    await co.daemon.pollNow();
    // Several passes have run against the full disk (the first journal write, then retries).
    await waitFor('three failed writes', () => disk.failures >= 3, 30_000);

    expect(world(sim, 'cluster_web')).toEqual(['node_001:manager/small']);
    const record = co.store.cluster('cluster_web')!;
    expect(record.intents).toEqual([]);
    expect(record.lastNodeNumber).toBe(1);
    const ready = await fetch(`${co.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.store).toMatch(/ENOSPC/);

    disk.full = false;
    await waitFor('the worker created once the disk has room', () => world(sim, 'cluster_web').length === 2, 60_000);
    await converged(co, 'cluster_web', 2);
    expect(world(sim, 'cluster_web')).toEqual(['node_001:manager/small', 'node_002:worker/small']);
    expect((await fetch(`${co.url}/readyz`)).status).toBe(200);
  });
});
