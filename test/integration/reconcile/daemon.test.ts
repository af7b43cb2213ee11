import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clusterops } from '../../../src/main.js';
import { ownershipTags, vmName } from '../../../src/providers/ownership.js';
import type { SimCloud } from '../../../src/sim/cloud.js';
import { converged, group, manifest, simCloud, startDaemon, TestRepo, vmsOf, waitFor, world } from './harness.js';

const WRITES = /create|delete|RunInstances|TerminateInstances|CreateTags/;

describe('the reconciler daemon against a real Git remote and the simulated cloud', () => {
  let repo: TestRepo;
  let sim: SimCloud;
  let co: Clusterops;
  let dataDir: string;

  beforeEach(async () => {
    repo = new TestRepo();
    sim = await simCloud();
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-data-'));
  });
  afterEach(async () => {
    await co?.close();
    await sim.close();
    repo.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const web = (groups: string) => ({ 'clusters/web.yaml': manifest('web', { id: 'cluster_web', groups }) });

  it('converges a pushed manifest to exactly its nodes, then scales up, down (remove: first), changes plan and deletes', async () => {
    repo.push(web([group('manager', 'medium', 1), group('worker', 'small', 2)].join('\n')));
    co = await startDaemon(repo, sim, dataDir);
    await converged(co, 'cluster_web', 3);
    expect(world(sim, 'cluster_web')).toEqual(['node_001:manager/medium', 'node_002:worker/small', 'node_003:worker/small']);

    repo.push(web([group('manager', 'medium', 1), group('worker', 'small', 3)].join('\n')), 'scale up');
    await co.daemon.pollNow();
    await converged(co, 'cluster_web', 4);
    expect(world(sim, 'cluster_web')).toEqual(['node_001:manager/medium', 'node_002:worker/small', 'node_003:worker/small', 'node_004:worker/small']);

    repo.push(web([group('manager', 'medium', 1), group('worker', 'small', 2, ['node_002'])].join('\n')), 'scale down, node_002 first');
    await co.daemon.pollNow();
    await waitFor('node_002 gone', () => world(sim, 'cluster_web').length === 3);
    await converged(co, 'cluster_web', 3);
    expect(world(sim, 'cluster_web')).toEqual(['node_001:manager/medium', 'node_003:worker/small', 'node_004:worker/small']);

    repo.push(web([group('manager', 'medium', 1), group('worker', 'power', 2)].join('\n')), 'bigger workers');
    await co.daemon.pollNow();
    await waitFor('workers replaced', () => world(sim, 'cluster_web').join() === 'node_001:manager/medium,node_005:worker/power,node_006:worker/power');
    await converged(co, 'cluster_web', 3);

    repo.push({ 'clusters/web.yaml': null }, 'delete web');
    await co.daemon.pollNow();
    await waitFor('all VMs gone and record removed', () => vmsOf(sim, 'cluster_web').length === 0 && !co.store.cluster('cluster_web'));
    await co.statusWriter!.flush();
    expect(repo.show('status/web.yaml')).toBeUndefined();
  });

  it('VMs it owns but no longer remembers (a store restored from an old backup) are found at start and at resync, not at every revision', async () => {
    repo.push(web([group('manager', 'small', 1)].join('\n')));
    co = await startDaemon(repo, sim, dataDir);
    await converged(co, 'cluster_web', 1);
    await co.close();
    const backup = readFileSync(join(dataDir, 'state.json'), 'utf8');

    const api = { 'clusters/api.yaml': manifest('api', { id: 'cluster_api', groups: group('manager', 'small', 1) }) };
    repo.push(api, 'api cluster');
    co = await startDaemon(repo, sim, dataDir);
    await converged(co, 'cluster_api', 1);
    await co.close();
    // The store goes back to before cluster_api existed, and the manifest leaves Git meanwhile.
    writeFileSync(join(dataDir, 'state.json'), backup);
    repo.push({ 'clusters/api.yaml': null }, 'api goes');
    co = await startDaemon(repo, sim, dataDir);
    await waitFor('the orphaned VM deleted at start', () => vmsOf(sim, 'cluster_api').length === 0);
    expect(world(sim, 'cluster_web')).toEqual(['node_001:manager/small']);

    // Later, a VM of ours that nothing knows appears while the daemon runs: a new revision does
    // not list every account for it (that cost a listing per API write); the next resync finds it.
    await co.daemon.controller.idle();
    const req = { region: 'sfo3', clusterId: 'cluster_lost', clusterName: 'lost', nodeId: 'node_001', role: 'worker' as const, plan: 'small' as const, size: 's-2vcpu-4gb', requestToken: 'seed-lost' };
    sim.emulators.digitalocean.seedVm({ region: req.region, size: req.size, name: vmName(req, co.store.instanceId), tags: ownershipTags(co.store.instanceId, req) });
    // Past the listing cache's 5 s, so an old-style orphan listing at the next revision would happen.
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    co.calls.reset();
    repo.push({ 'clusters/web.yaml': `${web(group('manager', 'small', 1))['clusters/web.yaml']}# a comment\n` }, 'comment only');
    await co.daemon.pollNow();
    await co.daemon.controller.idle();
    expect(co.daemon.desired().revision).toBe(repo.git(repo.root, '--git-dir', repo.remote, 'rev-parse', 'main').trim());
    expect(co.calls.count()).toBe(0);
    expect(vmsOf(sim, 'cluster_lost')).toHaveLength(1);
    await co.daemon.resync();
    await waitFor('the orphan found at resync deleted', () => vmsOf(sim, 'cluster_lost').length === 0);
    expect(world(sim, 'cluster_web')).toEqual(['node_001:manager/small']);
  });

  it('writes status back to Git only when it changes, marked to skip CI, without reconciling again', async () => {
    repo.push(web(group('manager', 'small', 1)));
    co = await startDaemon(repo, sim, dataDir);
    await converged(co, 'cluster_web', 1);
    await co.statusWriter!.flush();
    await waitFor('status file says running', () => /status: running/.test(repo.show('status/web.yaml') ?? ''));
    const status = repo.show('status/web.yaml')!;
    expect(status).toMatch(/id: node_001\n\s+role: manager\n\s+plan: small\n\s+ip: \d+\.\d+\.\d+\.\d+\n\s+status: running/);
    const commits = repo.log().filter((m) => m.startsWith('status(web):'));
    expect(commits.at(0)).toMatch(/^status\(web\): running, 1\/1 nodes running \[skip ci\]$/);
    const before = repo.log().length;
    co.calls.reset();
    await co.daemon.resync();
    await co.daemon.controller.idle();
    await co.statusWriter!.flush();
    expect(repo.log().length).toBe(before);
    expect(co.calls.calls.filter((c) => WRITES.test(c.operation))).toEqual([]);
  });

  it('makes zero provider writes on a pass after convergence, with one listing per account', async () => {
    repo.push({
      ...web([group('manager', 'small', 1), group('worker', 'small', 2)].join('\n')),
      'clusters/api.yaml': manifest('api', { id: 'cluster_api', provider: 'hetzner', region: 'nbg1', orchestrator: 'swarm', groups: group('manager', 'small', 1) }),
      'clusters/etl.yaml': manifest('etl', { id: 'cluster_etl', provider: 'aws', region: 'us-east-1', groups: group('manager', 'small', 1) }),
    });
    co = await startDaemon(repo, sim, dataDir);
    await Promise.all([converged(co, 'cluster_web', 3), converged(co, 'cluster_api', 1), converged(co, 'cluster_etl', 1)]);
    await co.daemon.controller.idle();
    // The status commits move the revision every status records: let one pass take that in.
    await co.statusWriter?.flush();
    await co.daemon.resync();
    await co.daemon.controller.idle();
    co.calls.reset();
    const stored = statSync(join(dataDir, 'state.json')).mtimeMs;
    await co.daemon.resync();
    await co.daemon.controller.idle();
    expect(co.calls.calls.filter((c) => WRITES.test(c.operation))).toEqual([]);
    expect(co.calls.count()).toBeLessThanOrEqual(3);
    // Nothing changed, so nothing is written: an idle pass over many clusters must not rewrite the store per cluster.
    expect(statSync(join(dataDir, 'state.json')).mtimeMs).toBe(stored);
  });

  it('leaves the VMs of a cluster alone when its manifest becomes invalid, and says why', async () => {
    repo.push(web([group('manager', 'small', 1), group('worker', 'small', 1)].join('\n')));
    co = await startDaemon(repo, sim, dataDir);
    await converged(co, 'cluster_web', 2);
    const vms = vmsOf(sim, 'cluster_web').map((v) => v.id).sort();
    repo.push(web([group('manager', 'small', 1), group('worker', 'small', -1)].join('\n')), 'oops');
    await co.daemon.pollNow();
    await waitFor('error status', () => co.store.cluster('cluster_web')?.status?.status === 'error');
    await co.daemon.resync();
    await co.daemon.controller.idle();
    expect(vmsOf(sim, 'cluster_web').map((v) => v.id).sort()).toEqual(vms);
    expect(co.store.cluster('cluster_web')!.status!.lastError).toContain('clusters/web.yaml:14:12: nodes[1].count must be an integer');
  });

  it('holds back a revision that deletes most clusters until an org admin confirms each through the API (a commit message confirms nothing)', async () => {
    const one = (name: string) => manifest(name, { id: `cluster_${name}`, groups: group('manager', 'nano', 1) });
    repo.push({ 'clusters/a.yaml': one('a'), 'clusters/b.yaml': one('b'), 'clusters/c.yaml': one('c') });
    co = await startDaemon(repo, sim, dataDir);
    await Promise.all(['a', 'b', 'c'].map((n) => converged(co, `cluster_${n}`, 1)));
    repo.push({ 'clusters/a.yaml': null, 'clusters/b.yaml': null }, 'remove a and b');
    await co.daemon.pollNow();
    await waitFor('held', () => co.store.cluster('cluster_a')?.status?.status === 'error' && co.store.cluster('cluster_b')?.status?.status === 'error');
    await co.daemon.controller.idle();
    const revision = /"revision":"([0-9a-f]{40})"/.exec(co.store.cluster('cluster_a')!.status!.lastError ?? '')?.[1];
    expect(revision).toBeDefined();
    // The old commit-message marker: no longer a confirmation.
    repo.push({}, 'Yes, retire a and b\n\nclusterops: confirm-deletion');
    await co.daemon.pollNow();
    await co.daemon.controller.idle();
    // DigitalOcean's word for a droplet that is up (`off` while it is being destroyed).
    expect(vmsOf(sim, 'cluster_a').filter((v) => v.status === 'active')).toHaveLength(1);
    expect(vmsOf(sim, 'cluster_b').filter((v) => v.status === 'active')).toHaveLength(1);

    await co.accounts.createOrganization('org_abc123', 'ABC');
    await co.accounts.addUser('user_admin', { organizationId: 'org_abc123', role: 'admin' });
    const { token } = await co.accounts.createToken('user_admin', 'test');
    for (const clusterId of ['cluster_a', 'cluster_b']) {
      const res = await fetch(`${co.url}/api/cluster.confirmDeletion`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ clusterId, revision }) });
      expect(res.status).toBe(200);
    }
    await waitFor('a and b deleted', () => vmsOf(sim, 'cluster_a').length + vmsOf(sim, 'cluster_b').length === 0);
    expect(vmsOf(sim, 'cluster_c')).toHaveLength(1);
  });

  it('assigns and commits an id to a manifest without one, keeping its comments, then converges it', async () => {
    repo.push({ 'clusters/new.yaml': manifest('new', { groups: group('manager', 'micro', 1) }) });
    co = await startDaemon(repo, sim, dataDir);
    await waitFor('id committed', () => /^id: cluster_[a-z0-9]+$/m.test(repo.show('clusters/new.yaml') ?? ''));
    const text = repo.show('clusters/new.yaml')!;
    expect(text.startsWith('# new: written by a test\nid: cluster_')).toBe(true);
    const id = /^id: (cluster_[a-z0-9]+)$/m.exec(text)![1]!;
    await converged(co, id, 1);
    expect(world(sim, id)).toEqual(['node_001:manager/micro']);
  });
});
