import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clusterops } from '../../../src/main.js';
import type { SimCloud } from '../../../src/sim/cloud.js';
import { converged, group, manifest, simCloud, startDaemon, TestRepo, world } from './harness.js';

describe('what wakes the reconciler', () => {
  let repo: TestRepo;
  let sim: SimCloud;
  let co: Clusterops;
  let dataDir: string;

  beforeEach(async () => {
    repo = new TestRepo();
    sim = await simCloud(50);
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-data-'));
  });
  afterEach(async () => {
    await co?.close();
    await sim.close();
    repo.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const web = (workers: number) => ({ 'clusters/web.yaml': manifest('web', { id: 'cluster_web', groups: [group('manager', 'small', 1), group('worker', 'small', workers)].join('\n') }) });

  it('a GitHub push webhook with a valid signature polls at once; a forged one is refused', async () => {
    repo.push(web(1));
    co = await startDaemon(repo, sim, dataDir, { webhookSecret: 'hook-secret-123' });
    await converged(co, 'cluster_web', 2);
    repo.push(web(2), 'scale up');
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'abc' });
    const post = (signature: string) =>
      fetch(`${co.url}/hooks/git`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });
    const forged = await post(`sha256=${createHmac('sha256', 'wrong').update(body).digest('hex')}`);
    expect(forged.status).toBe(401);
    await sleep(300);
    expect(world(sim, 'cluster_web')).toHaveLength(2);
    const other = JSON.stringify({ ref: 'refs/heads/feature', after: 'abc' });
    const ignored = await fetch(`${co.url}/hooks/git`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'hook-secret-123').update(other).digest('hex')}` },
      body: other,
    });
    expect(await ignored.json()).toMatchObject({ accepted: false });
    const good = await post(`sha256=${createHmac('sha256', 'hook-secret-123').update(body).digest('hex')}`);
    expect(good.status).toBe(202);
    await converged(co, 'cluster_web', 3);
    expect(world(sim, 'cluster_web')).toHaveLength(3);
  });

  it('a local working tree is watched: saving a file converges it', async () => {
    const tree = join(dataDir, 'tree');
    mkdirSync(join(tree, 'clusters'), { recursive: true });
    writeFileSync(join(tree, 'clusters/web.yaml'), web(1)['clusters/web.yaml']);
    co = await startDaemon(repo, sim, join(dataDir, 'state'), { local: tree, repo: undefined, statusCommits: false });
    await converged(co, 'cluster_web', 2);
    writeFileSync(join(tree, 'clusters/web.yaml'), web(3)['clusters/web.yaml']);
    await converged(co, 'cluster_web', 4);
    expect(world(sim, 'cluster_web')).toEqual(['node_001:manager/small', 'node_002:worker/small', 'node_003:worker/small', 'node_004:worker/small']);
  });
});
