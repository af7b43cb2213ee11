import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { call, commits, converged, group, manifest, manifestCommits, startApiWorld, type ApiWorld, type CallOptions, type Reply } from './api-harness.js';

/**
 * DESIGN §6 over HTTP: org admins may do everything; members see a cluster only through a
 * grant in its manifest (`read` → reads, `manage` → writes too); grantAccess / listAccess /
 * revokeAccess edit that `access:` list in Git.
 */

const SHOP = manifest('shop', { id: 'cluster_shop', groups: [group('manager', 'small', 1), group('worker', 'small', 2)].join('\n') });

describe('members, grants and org admins', () => {
  let w: ApiWorld;
  const as = (who: 'alice' | 'bob' | 'carol') => (method: string, procedure: string, o: CallOptions = {}) => call(w.co.url, method, `/api/${procedure}`, { token: w.tokens[who], ...o });
  const shop = () => parse(w.repo.show('clusters/shop.yaml')!) as { access?: { userId: string; permission: string }[]; nodes: { role: string; plan: string; count: number; remove?: string[] }[] };
  const q = { query: { clusterId: 'cluster_shop' } };
  const reads: [string, string, CallOptions][] = [
    ['GET', 'cluster.one', q],
    ['GET', 'cluster.nodes', q],
    ['GET', 'cluster.listAccess', q],
  ];
  const writes: [string, string, CallOptions][] = [
    ['PATCH', 'cluster.update', { body: { clusterId: 'cluster_shop', name: 'bobs-shop' } }],
    ['POST', 'cluster.addNode', { body: { clusterId: 'cluster_shop', role: 'worker', plan: 'small' } }],
    ['DELETE', 'cluster.removeNode', { body: { clusterId: 'cluster_shop', nodeId: 'node_003' } }],
    ['DELETE', 'cluster.remove', { body: { clusterId: 'cluster_shop' } }],
    ['POST', 'cluster.grantAccess', { body: { clusterId: 'cluster_shop', userId: 'user_carol', permission: 'read' } }],
    ['DELETE', 'cluster.revokeAccess', { body: { clusterId: 'cluster_shop', userId: 'user_bob' } }],
  ];
  const listed = async (who: 'alice' | 'bob' | 'carol') => ((await as(who)('GET', 'cluster.all')).json.result.data as { id: string }[]).map((c) => c.id);

  beforeAll(async () => {
    w = await startApiWorld({ files: { 'clusters/shop.yaml': SHOP }, config: { statusCommits: false } });
    await converged(w.co, 'cluster_shop', 3);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a member without a grant sees nothing of the cluster: 404 on every procedure, absent from cluster.all', async () => {
    const bob = as('bob');
    const log = commits(w.repo);
    for (const [method, procedure, o] of [...reads, ...writes]) {
      const res = await bob(method, procedure, o);
      expect([procedure, res.status, res.json?.error?.code]).toEqual([procedure, 404, 'NOT_FOUND']);
    }
    expect(await listed('bob')).toEqual([]);
    expect(await listed('alice')).toEqual(['cluster_shop']);
    expect(commits(w.repo)).toEqual(log);
  });

  it('grantAccess read: a commit by the admin adds the grant to access:, listAccess shows it, reads work, writes are 403', async () => {
    const before = manifestCommits(w.repo).length;
    const res = await as('alice')('POST', 'cluster.grantAccess', { body: { clusterId: 'cluster_shop', userId: 'user_bob', permission: 'read' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ result: { data: { clusterId: 'cluster_shop', userId: 'user_bob', permission: 'read' } } });
    const after = manifestCommits(w.repo);
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ author: 'user_alice', subject: 'cluster.grantAccess: shop read to user_bob' });
    expect(shop().access).toEqual([{ userId: 'user_bob', permission: 'read' }]);
    // Comments of the hand-written file are still there.
    expect(w.repo.show('clusters/shop.yaml')).toMatch(/^# shop: written by a test\n/);

    const bob = as('bob');
    for (const [method, procedure, o] of reads) expect([procedure, (await bob(method, procedure, o)).status]).toEqual([procedure, 200]);
    expect((await bob('GET', 'cluster.listAccess', q)).json).toEqual({ result: { data: [{ userId: 'user_bob', permission: 'read' }] } });
    expect(await listed('bob')).toEqual(['cluster_shop']);
    const log = commits(w.repo);
    for (const [method, procedure, o] of writes) {
      const r = await bob(method, procedure, o);
      expect([procedure, r.status, r.json?.error?.code]).toEqual([procedure, 403, 'FORBIDDEN']);
    }
    expect(commits(w.repo)).toEqual(log);
    // Carol, another member, still sees nothing.
    expect((await as('carol')('GET', 'cluster.one', q)).status).toBe(404);
  });

  it('grantAccess manage changes the existing grant in place; the member can then write, as themself', async () => {
    const res = await as('alice')('POST', 'cluster.grantAccess', { body: { clusterId: 'cluster_shop', userId: 'user_bob', permission: 'manage' } });
    expect(res.status).toBe(200);
    expect(shop().access).toEqual([{ userId: 'user_bob', permission: 'manage' }]);

    const bob = as('bob');
    const add = await bob('POST', 'cluster.addNode', { body: { clusterId: 'cluster_shop', role: 'worker', plan: 'small' } });
    expect(add.status).toBe(200);
    expect(manifestCommits(w.repo)[0]).toMatchObject({ author: 'user_bob', email: 'user_bob@users.clusterops.invalid', subject: 'cluster.addNode: shop +1 worker (small)' });
    expect(shop().nodes[1]).toEqual({ role: 'worker', plan: 'small', count: 3 });

    // manage includes granting and revoking others.
    const grant = await bob('POST', 'cluster.grantAccess', { body: { clusterId: 'cluster_shop', userId: 'user_carol', permission: 'read' } });
    expect(grant.status).toBe(200);
    expect(manifestCommits(w.repo)[0]).toMatchObject({ author: 'user_bob', subject: 'cluster.grantAccess: shop read to user_carol' });
    expect((await as('carol')('GET', 'cluster.one', q)).status).toBe(200);
    expect((await as('alice')('GET', 'cluster.listAccess', q)).json.result.data).toEqual([
      { userId: 'user_bob', permission: 'manage' },
      { userId: 'user_carol', permission: 'read' },
    ]);
    const revoke = await bob('DELETE', 'cluster.revokeAccess', { body: { clusterId: 'cluster_shop', userId: 'user_carol' } });
    expect([revoke.status, revoke.text]).toEqual([204, '']);
    expect(shop().access).toEqual([{ userId: 'user_bob', permission: 'manage' }]);
    expect((await as('carol')('GET', 'cluster.one', q)).status).toBe(404);

    const update = await bob('PATCH', 'cluster.update', { body: { clusterId: 'cluster_shop', nodes: [{ role: 'manager', plan: 'small', count: 1 }, { role: 'worker', plan: 'small', count: 2 }] } });
    expect(update.status).toBe(200);
    expect(shop().nodes).toEqual([
      { role: 'manager', plan: 'small', count: 1 },
      { role: 'worker', plan: 'small', count: 2 },
    ]);
  });

  it('revokeAccess → 204, the grant leaves the manifest (access: goes when empty), and the member sees nothing again', async () => {
    const res: Reply = await as('alice')('DELETE', 'cluster.revokeAccess', { body: { clusterId: 'cluster_shop', userId: 'user_bob' } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(manifestCommits(w.repo)[0]).toMatchObject({ author: 'user_alice', subject: 'cluster.revokeAccess: shop from user_bob' });
    const text = w.repo.show('clusters/shop.yaml')!;
    expect(shop().access).toBeUndefined();
    expect(text).not.toContain('user_bob');
    expect((await as('alice')('GET', 'cluster.listAccess', q)).json).toEqual({ result: { data: [] } });
    expect((await as('bob')('GET', 'cluster.one', q)).status).toBe(404);
    expect(await listed('bob')).toEqual([]);
    // Revoking again: there is no such grant any more.
    const again = await as('alice')('DELETE', 'cluster.revokeAccess', { body: { clusterId: 'cluster_shop', userId: 'user_bob' } });
    expect([again.status, again.json.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('a member may create a cluster in their organization and is granted manage on it; the admin sees it too', async () => {
    const res = await as('carol')('POST', 'cluster.create', {
      body: { organizationId: 'org_abc123', name: 'carols', provider: 'hetzner', region: 'fsn1', orchestrator: 'swarm', nodes: [{ role: 'manager', plan: 'nano', count: 1 }] },
    });
    expect(res.status).toBe(201);
    const id = res.json.result.data.id as string;
    expect(manifestCommits(w.repo)[0]).toMatchObject({ author: 'user_carol' });
    expect(parse(w.repo.show('clusters/carols.yaml')!).access).toEqual([{ userId: 'user_carol', permission: 'manage' }]);
    const add = await as('carol')('POST', 'cluster.addNode', { body: { clusterId: id, role: 'worker', plan: 'nano' } });
    expect(add.status).toBe(200);
    expect((await as('bob')('GET', 'cluster.one', { query: { clusterId: id } })).status).toBe(404);
    // Sorted by name: carols, shop.
    expect(await listed('alice')).toEqual([id, 'cluster_shop']);
  });

  it('an org admin can do everything without any grant, including removing the cluster', async () => {
    const alice = as('alice');
    await converged(w.co, 'cluster_shop', 3);
    const nodes = await alice('GET', 'cluster.nodes', q);
    expect(nodes.status).toBe(200);
    const victim = (nodes.json.result.data as { id: string; role: string }[]).find((n) => n.role === 'worker')!.id;
    const rm = await alice('DELETE', 'cluster.removeNode', { body: { clusterId: 'cluster_shop', nodeId: victim } });
    expect(rm.status).toBe(200);
    expect(shop().nodes[1]!.remove).toEqual([victim]);
    const rename = await alice('PATCH', 'cluster.update', { body: { clusterId: 'cluster_shop', name: 'shop-eu' } });
    expect(rename.status).toBe(200);
    const gone = await alice('DELETE', 'cluster.remove', { body: { clusterId: 'cluster_shop' } });
    expect(gone.status).toBe(204);
    expect(w.repo.show('clusters/shop-eu.yaml')).toBeUndefined();
    expect(manifestCommits(w.repo).slice(0, 3).map((c) => [c.author, c.subject])).toEqual([
      ['user_alice', 'cluster.remove: shop-eu'],
      ['user_alice', 'cluster.update: shop → shop-eu'],
      ['user_alice', `cluster.removeNode: shop -${victim}`],
    ]);
  });
});
