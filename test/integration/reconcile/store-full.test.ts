import { describe, expect, it } from 'vitest';
import { writeFileDurably } from '../../../src/durable-file.js';
import { silentLogger } from '../../../src/logger.js';
import { startClusterops } from '../../../src/main.js';
import { converged, daemonWorld, group, manifest, testConfig, waitFor, world } from './harness.js';

describe('a daemon whose disk fills up', () => {
  const w = daemonWorld('clusterops-full-');

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
    w.repo.push(web(0));
    w.co = await startClusterops(testConfig(w.repo, w.sim, w.dataDir), { sim: w.sim, log: silentLogger, storeWriteFile });
    await converged(w.co, 'cluster_web', 1);

    disk.full = true;
    w.repo.push(web(1), 'one worker');
    await w.co.daemon.pollNow();
    // Several passes have run against the full disk (the first journal write, then retries).
    await waitFor('three failed writes', () => disk.failures >= 3, 30_000);

    expect(world(w.sim, 'cluster_web')).toEqual(['node_001:manager/small']);
    const record = w.co.store.cluster('cluster_web')!;
    expect(record.intents).toEqual([]);
    expect(record.lastNodeNumber).toBe(1);
    const ready = await fetch(`${w.co.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.store).toMatch(/ENOSPC/);

    disk.full = false;
    await waitFor('the worker created once the disk has room', () => world(w.sim, 'cluster_web').length === 2, 60_000);
    await converged(w.co, 'cluster_web', 2);
    expect(world(w.sim, 'cluster_web')).toEqual(['node_001:manager/small', 'node_002:worker/small']);
    expect((await fetch(`${w.co.url}/readyz`)).status).toBe(200);
  });
});
