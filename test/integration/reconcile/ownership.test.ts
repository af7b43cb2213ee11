import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clusterops } from '../../../src/main.js';
import { TAG } from '../../../src/providers/ownership.js';
import type { SimCloud } from '../../../src/sim/cloud.js';
import { OwnerConflictError } from '../../../src/store/owner-guard.js';
import { StoreCorruptError } from '../../../src/store/store.js';
import { converged, group, manifest, simCloud, startDaemon, TestRepo, world } from './harness.js';

const WRITES = /create|delete|RunInstances|TerminateInstances|CreateTags/;

describe('ownership survives a lost data directory', () => {
  let repo: TestRepo;
  let sim: SimCloud;
  let co: Clusterops | undefined;
  let dataDir: string;

  beforeEach(async () => {
    repo = new TestRepo();
    sim = await simCloud();
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-owner-'));
  });
  afterEach(async () => {
    await co?.close();
    await sim.close();
    repo.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Every VM: provider id → owner, cluster and node, so a re-created VM shows as a new id. */
  const fleet = () =>
    Object.fromEntries(
      Object.values(sim.emulators)
        .flatMap((e) => e.vms())
        .map((v) => [v.id, `${v.tags[TAG.owner]}/${v.tags[TAG.cluster]}/${v.tags[TAG.node]}`]),
    );
  const web = (workers: number) => ({ 'clusters/web.yaml': manifest('web', { id: 'cluster_web', groups: [group('manager', 'small', 1), group('worker', 'small', workers)].join('\n') }) });
  const api = { 'clusters/api.yaml': manifest('api', { id: 'cluster_api', groups: group('manager', 'small', 1) }) };

  it('refuses to start on an empty store when the status files name another owner; with that owner id it adopts the VMs: same ids, no create, no delete', async () => {
    repo.push({ ...web(2), ...api });
    co = await startDaemon(repo, sim, dataDir);
    await converged(co, 'cluster_web', 3);
    await converged(co, 'cluster_api', 1);
    await co.statusWriter!.flush();
    const owner = co.store.instanceId;
    expect(repo.show('status/web.yaml')).toContain(`owner: ${owner}`);
    await co.close();
    co = undefined;
    const before = fleet();
    expect(Object.keys(before)).toHaveLength(4);

    // The data directory is lost: a fresh one would create all four VMs again under a new owner.
    rmSync(dataDir, { recursive: true, force: true });
    const refused = startDaemon(repo, sim, dataDir);
    await expect(refused).rejects.toThrow(OwnerConflictError);
    await expect(refused).rejects.toThrow(new RegExp(`status/(api|web)\\.yaml.* name owner ${owner}.*--owner-id ${owner}`));
    expect(fleet()).toEqual(before);

    co = await startDaemon(repo, sim, dataDir, { ownerId: owner });
    expect(co.store.instanceId).toBe(owner);
    await converged(co, 'cluster_web', 3);
    await converged(co, 'cluster_api', 1);
    await co.daemon.controller.idle();
    expect(co.calls.calls.filter((c) => WRITES.test(c.operation))).toEqual([]);
    expect(fleet()).toEqual(before);

    // Numbering continues past the adopted nodes.
    repo.push(web(3), 'one more worker');
    await co.daemon.pollNow();
    await converged(co, 'cluster_web', 4);
    expect(world(sim, 'cluster_web')).toEqual(['node_001:manager/small', 'node_002:worker/small', 'node_003:worker/small', 'node_004:worker/small']);
    expect(Object.entries(fleet()).filter(([id]) => before[id])).toEqual(Object.entries(before));
  });

  it('a configured owner id that differs from the status files is refused too; a store file holding null is corrupt, not empty', async () => {
    repo.push(api);
    co = await startDaemon(repo, sim, dataDir);
    await converged(co, 'cluster_api', 1);
    await co.statusWriter!.flush();
    const owner = co.store.instanceId;
    await co.close();
    co = undefined;
    const before = fleet();

    writeFileSync(join(dataDir, 'state.json'), 'null');
    await expect(startDaemon(repo, sim, dataDir)).rejects.toThrow(StoreCorruptError);

    rmSync(dataDir, { recursive: true, force: true });
    await expect(startDaemon(repo, sim, dataDir, { ownerId: 'co-somebodyelse' })).rejects.toThrow(new RegExp(`configured owner id co-somebodyelse .*${owner}`));
    expect(fleet()).toEqual(before);
  });
});
