import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, commits, converged, group, manifest, startApiWorld, type ApiWorld, type CallOptions } from './api-harness.js';

/**
 * DESIGN §6: a token never sees another organization's clusters — not in lists, and every
 * procedure naming one answers exactly what it answers for an id that does not exist.
 */

const A = manifest('alpha', { id: 'cluster_alpha', groups: [group('manager', 'small', 1), group('worker', 'small', 1)].join('\n') });
// org_other's cluster; its manifest even (wrongly) grants a user of org_abc123 manage: that must not count.
const B = `${manifest('bravo', { id: 'cluster_bravo', groups: group('manager', 'small', 1) }).replace('organizationId: org_abc123', 'organizationId: org_other')}access:\n  - userId: user_bob\n    permission: manage\n`;

const NOT_FOUND = { error: { code: 'NOT_FOUND', message: 'cluster not found', httpStatus: 404 } };

describe('cross-organization isolation on every procedure', () => {
  let w: ApiWorld;
  const as = (token: string) => (method: string, procedure: string, o: CallOptions = {}) => call(w.co.url, method, `/api/${procedure}`, { token, ...o });

  beforeAll(async () => {
    w = await startApiWorld({ files: { 'clusters/alpha.yaml': A, 'clusters/bravo.yaml': B }, config: { statusCommits: false } });
    await Promise.all([converged(w.co, 'cluster_alpha', 2), converged(w.co, 'cluster_bravo', 1)]);
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Every procedure, naming `clusterId` (and a node / user of it where needed). */
  const requests = (clusterId: string): [string, string, CallOptions][] => [
    ['GET', 'cluster.one', { query: { clusterId } }],
    ['GET', 'cluster.nodes', { query: { clusterId } }],
    ['GET', 'cluster.listAccess', { query: { clusterId } }],
    ['PATCH', 'cluster.update', { body: { clusterId, name: 'taken-over' } }],
    ['DELETE', 'cluster.remove', { body: { clusterId } }],
    ['POST', 'cluster.addNode', { body: { clusterId, role: 'worker', plan: 'small' } }],
    ['DELETE', 'cluster.removeNode', { body: { clusterId, nodeId: 'node_002' } }],
    ['POST', 'cluster.grantAccess', { body: { clusterId, userId: 'user_eve', permission: 'manage' } }],
    ['DELETE', 'cluster.revokeAccess', { body: { clusterId, userId: 'user_bob' } }],
    ['POST', 'cluster.confirmDeletion', { body: { clusterId, revision: 'abcdef0' } }],
    ['POST', 'cluster.transfer', { body: { clusterId, organizationId: 'org_other' } }],
  ];

  it("org_other's admin gets 404 — the same answer as for a cluster that does not exist — for every procedure naming org_abc123's cluster, and nothing is committed", async () => {
    const eve = as(w.tokens.eve);
    const log = commits(w.repo);
    for (const [method, procedure, o] of requests('cluster_alpha')) {
      const res = await eve(method, procedure, o);
      expect([procedure, res.status, res.json]).toEqual([procedure, 404, NOT_FOUND]);
      // Indistinguishable from a guess that matches nothing.
      const ghost = await eve(method, procedure, JSON.parse(JSON.stringify(o).replace('cluster_alpha', 'cluster_ghost')) as CallOptions);
      expect([procedure, ghost.status, ghost.json]).toEqual([procedure, 404, NOT_FOUND]);
    }
    // cluster.all naming org_abc123, and cluster.create into it.
    const all = await eve('GET', 'cluster.all', { query: { organizationId: 'org_abc123' } });
    expect([all.status, all.json.error.code]).toEqual([404, 'NOT_FOUND']);
    const create = await eve('POST', 'cluster.create', { body: { organizationId: 'org_abc123', name: 'intruder', provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', nodes: [{ role: 'manager', plan: 'small', count: 1 }] } });
    expect([create.status, create.json.error.code, create.json.error.path]).toEqual([404, 'NOT_FOUND', 'organizationId']);
    expect(commits(w.repo)).toEqual(log);
    expect(w.repo.show('clusters/intruder.yaml')).toBeUndefined();
    expect(w.repo.show('clusters/alpha.yaml')).toBe(A);
  });

  it('cluster.all never lists the other organization’s clusters, with or without organizationId', async () => {
    const eve = as(w.tokens.eve);
    const alice = as(w.tokens.alice);
    const ids = async (res: Promise<{ status: number; json: any }>) => {
      const r = await res;
      expect(r.status).toBe(200);
      return (r.json.result.data as { id: string }[]).map((c) => c.id);
    };
    expect(await ids(eve('GET', 'cluster.all'))).toEqual(['cluster_bravo']);
    expect(await ids(eve('GET', 'cluster.all', { query: { organizationId: 'org_other' } }))).toEqual(['cluster_bravo']);
    expect(await ids(alice('GET', 'cluster.all'))).toEqual(['cluster_alpha']);
    expect(await ids(alice('GET', 'cluster.all', { query: { organizationId: 'org_abc123' } }))).toEqual(['cluster_alpha']);
  });

  it("a grant in another organization's manifest gives a member nothing there", async () => {
    const bob = as(w.tokens.bob);
    for (const [method, procedure, o] of requests('cluster_bravo')) {
      const res = await bob(method, procedure, o);
      expect([procedure, res.status, res.json]).toEqual([procedure, 404, NOT_FOUND]);
    }
    const all = await bob('GET', 'cluster.all');
    expect(all.json.result.data).toEqual([]);
    expect(w.repo.show('clusters/bravo.yaml')).toBe(B);
  });

  it('the other way round: org_abc123’s admin cannot reach org_other’s cluster, and cannot grant on its own cluster to a user outside the org', async () => {
    const alice = as(w.tokens.alice);
    const log = commits(w.repo);
    for (const [method, procedure, o] of requests('cluster_bravo')) {
      const res = await alice(method, procedure, o);
      expect([procedure, res.status, res.json]).toEqual([procedure, 404, NOT_FOUND]);
    }
    const grant = await alice('POST', 'cluster.grantAccess', { body: { clusterId: 'cluster_alpha', userId: 'user_eve', permission: 'read' } });
    expect([grant.status, grant.json.error.path]).toEqual([404, 'userId']);
    expect(commits(w.repo)).toEqual(log);
    // Eve still sees nothing of alpha.
    expect((await as(w.tokens.eve)('GET', 'cluster.one', { query: { clusterId: 'cluster_alpha' } })).status).toBe(404);
  });
});
