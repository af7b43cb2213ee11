import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, converged, group, keysOf, manifest, NODE_KEYS, ONE_KEYS, startApiWorld, vmsOf, waitFor, type ApiWorld } from './api-harness.js';

/**
 * Reads merge desired (the manifest in Git) with actual (what the simulated cloud runs, as the
 * last pass observed it): node ids and IPs come from the VMs, counts from the manifest, and a
 * removed cluster stays visible as `deleting` until its VMs are gone.
 */

const web = (workers: number) => manifest('web', { id: 'cluster_web', groups: [group('manager', 'small', 1), group('worker', 'small', workers)].join('\n') });

describe('reads: desired merged with actual', () => {
  let w: ApiWorld;
  const get = (procedure: string, query: Record<string, string> = {}) => call(w.co.url, 'GET', `/api/${procedure}`, { token: w.tokens.alice, query });

  beforeAll(async () => {
    // Slow enough VMs that the in-between states can be seen.
    w = await startApiWorld({ files: { 'clusters/web.yaml': web(1) }, bootMs: 600, deleteMs: 1500, config: { statusCommits: false } });
  });
  afterAll(async () => {
    await w?.close();
  });

  const ipsOf = (clusterId: string) => Object.fromEntries(vmsOf(w.sim, clusterId).map((v) => [v.tags['clusterops-node']!, v.ip]));

  it('after convergence, cluster.one and cluster.nodes list the real node ids and IPs of the VMs', async () => {
    await converged(w.co, 'cluster_web', 2);
    const ips = ipsOf('cluster_web');
    expect(Object.keys(ips).sort()).toEqual(['node_001', 'node_002']);
    const expected = [
      { id: 'node_001', role: 'manager', plan: 'small', ip: ips.node_001, status: 'running', orchestratorStatus: 'ready' },
      { id: 'node_002', role: 'worker', plan: 'small', ip: ips.node_002, status: 'running', orchestratorStatus: 'ready' },
    ];
    expect(new Set(Object.values(ips)).size).toBe(2);
    for (const ip of Object.values(ips)) expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const one = await get('cluster.one', { clusterId: 'cluster_web' });
    expect(one.status).toBe(200);
    expect(keysOf(one.json.result.data)).toEqual(ONE_KEYS);
    expect(one.json.result.data).toMatchObject({ status: 'running', nodeCount: 2, nodes: expected });
    // What happened, oldest first: both VMs created, and the status reaching running.
    const events = one.json.result.data.events as { at: string; type: string; nodeId?: string; message: string }[];
    expect(events.filter((e) => e.type === 'created').map((e) => e.nodeId).sort()).toEqual(['node_001', 'node_002']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'info', message: expect.stringMatching(/^status \w+ → running/) }));
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort());
    for (const e of events) expect(Object.keys(e).filter((k) => k !== 'nodeId')).toEqual(['at', 'type', 'message']);
    const nodes = await get('cluster.nodes', { clusterId: 'cluster_web' });
    expect(nodes.status).toBe(200);
    expect(nodes.json).toEqual({ result: { data: expected } });
    expect((nodes.json.result.data as unknown[]).map(keysOf)).toEqual([NODE_KEYS, NODE_KEYS]);
  });

  it('while a change is being applied: nodeCount is what Git asks for, nodes what runs, and the new node is listed as provisioning before it runs', async () => {
    w.repo.push({ 'clusters/web.yaml': web(2) }, 'one more worker, by hand');
    await w.co.daemon.pollNow();
    const during = await get('cluster.one', { clusterId: 'cluster_web' });
    expect(during.json.result.data.nodeCount).toBe(3);
    const running = (during.json.result.data.nodes as { id: string; status: string }[]).filter((n) => n.status === 'running').map((n) => n.id);
    expect(running).toEqual(['node_001', 'node_002']);
    await waitFor('node_003 listed while provisioning', async () => {
      const r = await get('cluster.nodes', { clusterId: 'cluster_web' });
      const n3 = (r.json.result.data as { id: string; status: string; ip: string | null }[]).find((n) => n.id === 'node_003');
      return n3?.status === 'provisioning';
    });
    const one = await get('cluster.one', { clusterId: 'cluster_web' });
    expect(one.json.result.data.status).toMatch(/^(provisioning|updating)$/);
    await converged(w.co, 'cluster_web', 3);
    const after = await get('cluster.nodes', { clusterId: 'cluster_web' });
    const ips = ipsOf('cluster_web');
    expect(after.json.result.data).toEqual([
      { id: 'node_001', role: 'manager', plan: 'small', ip: ips.node_001, status: 'running', orchestratorStatus: 'ready' },
      { id: 'node_002', role: 'worker', plan: 'small', ip: ips.node_002, status: 'running', orchestratorStatus: 'ready' },
      { id: 'node_003', role: 'worker', plan: 'small', ip: ips.node_003, status: 'running', orchestratorStatus: 'ready' },
    ]);
    expect(ips.node_003).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('a cluster created through the API answers provisioning at once, with nodeCount from the request', async () => {
    const res = await call(w.co.url, 'POST', '/api/cluster.create', {
      token: w.tokens.alice,
      body: { organizationId: 'org_abc123', name: 'api-made', provider: 'aws', region: 'us-east-1', orchestrator: 'swarm', nodes: [{ role: 'manager', plan: 'micro', count: 1 }] },
    });
    expect(res.status).toBe(201);
    const id = res.json.result.data.id as string;
    // The write returned after the daemon took in its commit: the cluster is readable right away.
    const one = await get('cluster.one', { clusterId: id });
    expect(one.status).toBe(200);
    expect(one.json.result.data).toMatchObject({ id, name: 'api-made', provider: 'aws', region: 'us-east-1', orchestrator: 'swarm', status: 'provisioning', nodeCount: 1 });
    await converged(w.co, id, 1);
    const done = await get('cluster.one', { clusterId: id });
    expect(done.json.result.data).toMatchObject({ status: 'running', nodes: [{ id: 'node_001', role: 'manager', plan: 'micro', ip: ipsOf(id).node_001, status: 'running' }] });
    // createdAt is the record's, stable from one read to the next.
    const again = await get('cluster.one', { clusterId: id });
    expect(again.json.result.data.createdAt).toBe(done.json.result.data.createdAt);
  });

  it('a removed cluster answers deleting (in one, nodes and all) until its VMs are gone, then 404 and absent from all', async () => {
    const res = await call(w.co.url, 'DELETE', '/api/cluster.remove', { token: w.tokens.alice, body: { clusterId: 'cluster_web' } });
    expect(res.status).toBe(204);
    expect(w.repo.show('clusters/web.yaml')).toBeUndefined();
    expect(vmsOf(w.sim, 'cluster_web').length).toBeGreaterThan(0);

    const one = await get('cluster.one', { clusterId: 'cluster_web' });
    expect(one.status).toBe(200);
    expect(keysOf(one.json.result.data)).toEqual(ONE_KEYS);
    expect(one.json.result.data).toMatchObject({ id: 'cluster_web', name: 'web', status: 'deleting' });
    const all = await get('cluster.all');
    expect((all.json.result.data as { id: string; status: string }[]).find((c) => c.id === 'cluster_web')?.status).toBe('deleting');
    expect((await get('cluster.nodes', { clusterId: 'cluster_web' })).status).toBe(200);
    // Removing it again is idempotent; changing it is not possible any more.
    expect((await call(w.co.url, 'DELETE', '/api/cluster.remove', { token: w.tokens.alice, body: { clusterId: 'cluster_web' } })).status).toBe(204);
    const add = await call(w.co.url, 'POST', '/api/cluster.addNode', { token: w.tokens.alice, body: { clusterId: 'cluster_web', role: 'worker', plan: 'small' } });
    expect([add.status, add.json.error.code]).toEqual([422, 'UNPROCESSABLE_CONTENT']);

    await waitFor('VMs of web gone and record dropped', () => vmsOf(w.sim, 'cluster_web').length === 0 && !w.co.store.cluster('cluster_web'), 30_000);
    const gone = await get('cluster.one', { clusterId: 'cluster_web' });
    expect([gone.status, gone.json.error.code]).toEqual([404, 'NOT_FOUND']);
    expect((await get('cluster.nodes', { clusterId: 'cluster_web' })).status).toBe(404);
    const ids = ((await get('cluster.all')).json.result.data as { id: string }[]).map((c) => c.id);
    expect(ids).not.toContain('cluster_web');
    expect(ids.length).toBe(1);
  });
});
