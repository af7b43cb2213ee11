import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TAG } from '../../../src/providers/ownership.js';
import { OwnerConflictError } from '../../../src/store/owner-guard.js';
import { StoreCorruptError } from '../../../src/store/store.js';
import { converged, daemonWorld, group, manifest, startDaemon, world } from './harness.js';

const WRITES = /create|delete|RunInstances|TerminateInstances|CreateTags/;

describe('ownership survives a lost data directory', () => {
  const w = daemonWorld('clusterops-owner-');

  /** Every VM: provider id → owner, cluster and node, so a re-created VM shows as a new id. */
  const fleet = () =>
    Object.fromEntries(
      Object.values(w.sim.emulators)
        .flatMap((e) => e.vms())
        .map((v) => [v.id, `${v.tags[TAG.owner]}/${v.tags[TAG.cluster]}/${v.tags[TAG.node]}`]),
    );
  const web = (workers: number) => ({ 'clusters/web.yaml': manifest('web', { id: 'cluster_web', groups: [group('manager', 'small', 1), group('worker', 'small', workers)].join('\n') }) });
  const api = { 'clusters/api.yaml': manifest('api', { id: 'cluster_api', groups: group('manager', 'small', 1) }) };

  it('refuses to start on an empty store when the status files name another owner; with that owner id it adopts the VMs: same ids, no create, no delete', async () => {
    w.repo.push({ ...web(2), ...api });
    w.co = await startDaemon(w.repo, w.sim, w.dataDir);
    await converged(w.co, 'cluster_web', 3);
    await converged(w.co, 'cluster_api', 1);
    await w.co.statusWriter!.flush();
    const owner = w.co.store.instanceId;
    expect(w.repo.show('status/web.yaml')).toContain(`owner: ${owner}`);
    await w.co.close();
    w.co = undefined;
    const before = fleet();
    expect(Object.keys(before)).toHaveLength(4);

    // The data directory is lost: a fresh one would create all four VMs again under a new owner.
    rmSync(w.dataDir, { recursive: true, force: true });
    const refused = startDaemon(w.repo, w.sim, w.dataDir);
    await expect(refused).rejects.toThrow(OwnerConflictError);
    await expect(refused).rejects.toThrow(new RegExp(`status/(api|web)\\.yaml.* name owner ${owner}.*--owner-id ${owner}`));
    expect(fleet()).toEqual(before);

    w.co = await startDaemon(w.repo, w.sim, w.dataDir, { ownerId: owner });
    expect(w.co.store.instanceId).toBe(owner);
    await converged(w.co, 'cluster_web', 3);
    await converged(w.co, 'cluster_api', 1);
    await w.co.daemon.controller.idle();
    expect(w.co.calls.calls.filter((c) => WRITES.test(c.operation))).toEqual([]);
    expect(fleet()).toEqual(before);

    // Numbering continues past the adopted nodes.
    w.repo.push(web(3), 'one more worker');
    await w.co.daemon.pollNow();
    await converged(w.co, 'cluster_web', 4);
    expect(world(w.sim, 'cluster_web')).toEqual(['node_001:manager/small', 'node_002:worker/small', 'node_003:worker/small', 'node_004:worker/small']);
    expect(Object.entries(fleet()).filter(([id]) => before[id])).toEqual(Object.entries(before));
  });

  it('a configured owner id that differs from the status files is refused too; a store file holding null is corrupt, not empty', async () => {
    w.repo.push(api);
    w.co = await startDaemon(w.repo, w.sim, w.dataDir);
    await converged(w.co, 'cluster_api', 1);
    await w.co.statusWriter!.flush();
    const owner = w.co.store.instanceId;
    await w.co.close();
    w.co = undefined;
    const before = fleet();

    writeFileSync(join(w.dataDir, 'state.json'), 'null');
    await expect(startDaemon(w.repo, w.sim, w.dataDir)).rejects.toThrow(StoreCorruptError);

    rmSync(w.dataDir, { recursive: true, force: true });
    await expect(startDaemon(w.repo, w.sim, w.dataDir, { ownerId: 'co-somebodyelse' })).rejects.toThrow(new RegExp(`configured owner id co-somebodyelse .*${owner}`));
    expect(fleet()).toEqual(before);
  });
});
