import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { call, CLUSTER_KEYS, converged, keysOf, manifestCommits, startApiWorld, waitFor, world, type ApiWorld, type CallOptions } from './api-harness.js';

/** What each write does to the manifest in Git, and the cluster it answers with ("as it will be"). */

const APP = `# app: hand-written, reviewed in PRs
id: cluster_app
organizationId: org_abc123
name: app
provider: digitalocean
region: fra1 # Frankfurt, close to users
orchestrator: kubernetes
nodes:
  - role: manager # control plane
    plan: small
    count: 1
  # batch workers, scaled by the API
  - role: worker
    plan: micro
    count: 2
`;

describe('writes: manifest edits and answers', () => {
  let w: ApiWorld;
  const api = (method: string, procedure: string, o: CallOptions = {}) => call(w.co.url, method, `/api/${procedure}`, { token: w.tokens.alice, ...o });
  const app = () => w.repo.show('clusters/app.yaml')!;

  beforeAll(async () => {
    // VMs take a while to go, so a node being removed can be seen leaving.
    w = await startApiWorld({ files: { 'clusters/app.yaml': APP }, deleteMs: 1500, config: { statusCommits: false } });
    await converged(w.co, 'cluster_app', 3);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('addNode of a role/plan the cluster lacks appends a new group; every hand-written comment survives', async () => {
    const res = await api('POST', 'cluster.addNode', { body: { clusterId: 'cluster_app', role: 'worker', plan: 'power' } });
    expect(res.status).toBe(200);
    expect(res.json.result.data.nodeCount).toBe(4);
    const text = app();
    expect(parse(text).nodes).toEqual([
      { role: 'manager', plan: 'small', count: 1 },
      { role: 'worker', plan: 'micro', count: 2 },
      { role: 'worker', plan: 'power', count: 1 },
    ]);
    for (const comment of ['# app: hand-written, reviewed in PRs', 'region: fra1 # Frankfurt, close to users', 'role: manager # control plane', '# batch workers, scaled by the API']) expect(text).toContain(comment);
    await converged(w.co, 'cluster_app', 4);
  });

  it('update with nodes replaces the groups (a group left out goes) and answers with the new nodeCount', async () => {
    const before = manifestCommits(w.repo).length;
    const res = await api('PATCH', 'cluster.update', { body: { clusterId: 'cluster_app', nodes: [{ role: 'manager', plan: 'small', count: 1 }, { role: 'worker', plan: 'micro', count: 4 }] } });
    expect(res.status).toBe(200);
    expect(keysOf(res.json.result.data)).toEqual(CLUSTER_KEYS);
    // The cluster as it will be: 1 manager + 4 workers.
    expect(res.json.result.data).toMatchObject({ id: 'cluster_app', name: 'app', status: 'updating', nodeCount: 5 });
    expect(manifestCommits(w.repo).length).toBe(before + 1);
    expect(manifestCommits(w.repo)[0]).toMatchObject({ author: 'user_alice', subject: 'cluster.update: app' });
    expect(parse(app()).nodes).toEqual([
      { role: 'manager', plan: 'small', count: 1 },
      { role: 'worker', plan: 'micro', count: 4 },
    ]);
    expect(app()).toContain('# batch workers, scaled by the API');
    const one = await api('GET', 'cluster.one', { query: { clusterId: 'cluster_app' } });
    expect(one.json.result.data.nodeCount).toBe(5);
    await converged(w.co, 'cluster_app', 5);
    expect(world(w.sim, 'cluster_app').filter((n) => n.endsWith('worker/power'))).toEqual([]);
  });

  it('removeNode twice in one group: the group shrinks each time and remove: lists both; a node already leaving is 409', async () => {
    const first = await api('DELETE', 'cluster.removeNode', { body: { clusterId: 'cluster_app', nodeId: 'node_002' } });
    expect(first.status).toBe(200);
    expect(first.json.result.data.nodeCount).toBe(4);
    const second = await api('DELETE', 'cluster.removeNode', { body: { clusterId: 'cluster_app', nodeId: 'node_003' } });
    expect(second.status).toBe(200);
    expect(parse(app()).nodes[1]).toEqual({ role: 'worker', plan: 'micro', count: 2, remove: ['node_002', 'node_003'] });
    await waitFor('node_002 leaving', async () => {
      const nodes = (await api('GET', 'cluster.nodes', { query: { clusterId: 'cluster_app' } })).json.result.data as { id: string; status: string }[];
      return ['deleting', 'draining'].includes(nodes.find((x) => x.id === 'node_002')?.status ?? '');
    });
    const log = manifestCommits(w.repo);
    const again = await api('DELETE', 'cluster.removeNode', { body: { clusterId: 'cluster_app', nodeId: 'node_002' } });
    expect([again.status, again.json.error.code, again.json.error.message]).toEqual([409, 'CONFLICT', 'node_002 is already being removed']);
    expect(manifestCommits(w.repo)).toEqual(log);
    await converged(w.co, 'cluster_app', 3);
    expect(world(w.sim, 'cluster_app').some((n) => n.startsWith('node_002') || n.startsWith('node_003'))).toBe(false);
    // A node that is gone is unknown now.
    const gone = await api('DELETE', 'cluster.removeNode', { body: { clusterId: 'cluster_app', nodeId: 'node_002' } });
    expect([gone.status, gone.json.error.message]).toEqual([404, 'node not found']);
  });

  it('a manifest broken in Git: reads say error, writes are refused with 422 until it is fixed, and nothing is committed', async () => {
    const good = app();
    w.repo.push({ 'clusters/app.yaml': good.replace(/count: 2/, 'count: many') }, 'oops');
    await w.co.daemon.pollNow();
    const one = await api('GET', 'cluster.one', { query: { clusterId: 'cluster_app' } });
    expect(one.json.result.data.status).toBe('error');
    const log = manifestCommits(w.repo);
    const add = await api('POST', 'cluster.addNode', { body: { clusterId: 'cluster_app', role: 'worker', plan: 'micro' } });
    expect([add.status, add.json.error.code]).toEqual([422, 'UNPROCESSABLE_CONTENT']);
    expect(add.json.error.message).toMatch(/invalid; fix it first/);
    // Its name stays taken.
    const dup = await api('POST', 'cluster.create', { body: { organizationId: 'org_abc123', name: 'app', provider: 'hetzner', region: 'nbg1', orchestrator: 'swarm', nodes: [{ role: 'manager', plan: 'small', count: 1 }] } });
    expect([dup.status, dup.json.error.code]).toEqual([409, 'CONFLICT']);
    expect(manifestCommits(w.repo)).toEqual(log);
    w.repo.push({ 'clusters/app.yaml': good }, 'fix');
    await w.co.daemon.pollNow();
    expect((await api('POST', 'cluster.addNode', { body: { clusterId: 'cluster_app', role: 'worker', plan: 'micro' } })).status).toBe(200);
  });
});
