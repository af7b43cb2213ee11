import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  changedFiles,
  CLUSTER_KEYS,
  clusterFiles,
  converged,
  curl,
  DETAIL_KEYS,
  ONE_KEYS,
  keysOf,
  manifestCommits,
  NODE_KEYS,
  startApiWorld,
  vmsOf,
  waitFor,
  world,
  type ApiWorld,
} from './api-harness.js';

/**
 * The seed's curl examples (docs: clusters-api.txt), run with the real curl binary exactly as
 * written there — same method, path, query, headers and body — against a running clusterops on
 * localhost with a real token, in the seed's order of a cluster's life: create, all, one,
 * update, addNode, removeNode, remove.
 */

const STAGING = `# staging: the team's swarm sandbox (hand-written)
id: cluster_def456
organizationId: org_abc123
name: staging
provider: hetzner
region: nbg1 # Nuremberg
orchestrator: swarm
nodes:
  # one small manager is enough for staging
  - role: manager
    plan: small
    count: 1
`;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

describe('the seed curl examples, as written, against localhost', () => {
  let w: ApiWorld;
  let base: string;
  let auth: string;

  beforeAll(async () => {
    w = await startApiWorld({ files: { 'clusters/staging.yaml': STAGING }, clusterIds: ['cluster_abc123'] });
    base = w.co.url.replace('127.0.0.1', 'localhost');
    auth = `Authorization: Bearer ${w.tokens.alice}`;
    await converged(w.co, 'cluster_def456', 1);
  });
  afterAll(async () => {
    await w?.close();
  });

  const file = (path: string) => w.repo.show(path);

  it('POST /api/cluster.create → 201 with the cluster, and one commit by the API user adding clusters/production.yaml', async () => {
    const before = manifestCommits(w.repo).length;
    const res = await curl([
      '-X', 'POST', `${base}/api/cluster.create`,
      '-H', auth,
      '-H', 'Content-Type: application/json',
      '-d', `{
"organizationId": "org_abc123",
"name": "production",
"provider": "digitalocean",
"region": "sfo3",
"orchestrator": "kubernetes",
"nodes": [
{ "role": "manager", "plan": "medium", "count": 1 },
{ "role": "worker", "plan": "small", "count": 2 }
]
}`,
    ]);
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(keysOf(res.json)).toEqual(['result']);
    expect(keysOf(res.json.result)).toEqual(['data']);
    const data = res.json.result.data;
    expect(keysOf(data)).toEqual(CLUSTER_KEYS);
    expect(data).toEqual({ id: 'cluster_abc123', name: 'production', provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', status: 'provisioning', nodeCount: 3, createdAt: expect.stringMatching(ISO) });

    const after = manifestCommits(w.repo);
    expect(after.length).toBe(before + 1);
    const commit = after[0]!;
    expect(commit).toMatchObject({ author: 'user_alice', email: 'user_alice@users.clusterops.invalid', subject: 'cluster.create: production (digitalocean sfo3, kubernetes)' });
    expect(changedFiles(w.repo, commit.hash)).toEqual(['A\tclusters/production.yaml']);
    const m = parse(file('clusters/production.yaml')!);
    expect(m).toEqual({
      apiVersion: 'clusterops/v1',
      id: 'cluster_abc123',
      organizationId: 'org_abc123',
      name: 'production',
      provider: 'digitalocean',
      region: 'sfo3',
      orchestrator: 'kubernetes',
      nodes: [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 2 },
      ],
    });
  });

  it('GET /api/cluster.all?organizationId=org_abc123 → both clusters in the seed shape, running once converged', async () => {
    await converged(w.co, 'cluster_abc123', 3);
    const res = await curl([`${base}/api/cluster.all?organizationId=org_abc123`, '-H', auth]);
    expect(res.status).toBe(200);
    expect(keysOf(res.json)).toEqual(['result']);
    const data = res.json.result.data as unknown[];
    expect(data.map(keysOf)).toEqual([CLUSTER_KEYS, CLUSTER_KEYS]);
    expect(data).toEqual([
      { id: 'cluster_abc123', name: 'production', provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', status: 'running', nodeCount: 3, createdAt: expect.stringMatching(ISO) },
      { id: 'cluster_def456', name: 'staging', provider: 'hetzner', region: 'nbg1', orchestrator: 'swarm', status: 'running', nodeCount: 1, createdAt: expect.stringMatching(ISO) },
    ]);
  });

  it('GET /api/cluster.one?clusterId=cluster_abc123 → the cluster with nodes (id, role, plan, ip, status) before createdAt', async () => {
    const res = await curl([`${base}/api/cluster.one?clusterId=cluster_abc123`, '-H', auth]);
    expect(res.status).toBe(200);
    const data = res.json.result.data;
    expect(keysOf(data)).toEqual(ONE_KEYS);
    expect(data.nodes.map(keysOf)).toEqual([NODE_KEYS, NODE_KEYS, NODE_KEYS]);
    const ips = Object.fromEntries(vmsOf(w.sim, 'cluster_abc123').map((v) => [v.tags['clusterops-node'], v.ip]));
    expect(data).toEqual({
      id: 'cluster_abc123',
      name: 'production',
      provider: 'digitalocean',
      region: 'sfo3',
      orchestrator: 'kubernetes',
      status: 'running',
      nodeCount: 3,
      nodes: [
        { id: 'node_001', role: 'manager', plan: 'medium', ip: ips.node_001, status: 'running', orchestratorStatus: 'ready' },
        { id: 'node_002', role: 'worker', plan: 'small', ip: ips.node_002, status: 'running', orchestratorStatus: 'ready' },
        { id: 'node_003', role: 'worker', plan: 'small', ip: ips.node_003, status: 'running', orchestratorStatus: 'ready' },
      ],
      createdAt: expect.stringMatching(ISO),
      events: expect.arrayContaining([expect.objectContaining({ type: 'created', nodeId: 'node_001' })]),
    });
    expect(ips.node_001).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('PATCH /api/cluster.update renames: the file moves, the id stays, a human comment survives, no VM is replaced', async () => {
    // A person annotates the manifest the API wrote; the API's next edit must keep that.
    const text = file('clusters/production.yaml')!;
    w.repo.push({ 'clusters/production.yaml': text.replace('nodes:\n', '# capacity reviewed by ops, 2025-06\nnodes:\n').replace(/(plan: medium)\n/, '$1 # keep medium: etcd\n') }, 'annotate production');
    await w.co.daemon.pollNow();
    const before = manifestCommits(w.repo).length;

    const res = await curl([
      '-X', 'PATCH', `${base}/api/cluster.update`,
      '-H', auth,
      '-H', 'Content-Type: application/json',
      '-d', `{
"clusterId": "cluster_abc123",
"name": "production-us-east"
}`,
    ]);
    expect(res.status).toBe(200);
    const data = res.json.result.data;
    expect(keysOf(data)).toEqual(CLUSTER_KEYS);
    expect(data).toMatchObject({ id: 'cluster_abc123', name: 'production-us-east', provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', status: 'updating', nodeCount: 3 });

    const after = manifestCommits(w.repo);
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ author: 'user_alice', subject: 'cluster.update: production → production-us-east' });
    expect(changedFiles(w.repo, after[0]!.hash)).toEqual([expect.stringMatching(/^R\d+\tclusters\/production\.yaml\tclusters\/production-us-east\.yaml$/)]);
    expect(file('clusters/production.yaml')).toBeUndefined();
    const renamed = file('clusters/production-us-east.yaml')!;
    expect(renamed).toContain('# capacity reviewed by ops, 2025-06\nnodes:');
    expect(renamed).toContain('plan: medium # keep medium: etcd');
    expect(parse(renamed)).toMatchObject({ id: 'cluster_abc123', name: 'production-us-east' });
    expect(clusterFiles(w.repo)).toEqual(['clusters/production-us-east.yaml', 'clusters/staging.yaml']);

    await waitFor('renamed cluster running again', () => w.co.store.cluster('cluster_abc123')?.name === 'production-us-east' && w.co.store.cluster('cluster_abc123')?.status?.status === 'running');
    expect(world(w.sim, 'cluster_abc123')).toEqual(['node_001:manager/medium', 'node_002:worker/small', 'node_003:worker/small']);
  });

  it('POST /api/cluster.addNode grows the worker/small group by one (comments kept), and the node joins', async () => {
    const before = manifestCommits(w.repo).length;
    const res = await curl([
      '-X', 'POST', `${base}/api/cluster.addNode`,
      '-H', auth,
      '-H', 'Content-Type: application/json',
      '-d', `{
"clusterId": "cluster_abc123",
"role": "worker",
"plan": "small"
}`,
    ]);
    expect(res.status).toBe(200);
    const data = res.json.result.data;
    expect(keysOf(data)).toEqual(DETAIL_KEYS);
    expect(data).toMatchObject({ id: 'cluster_abc123', name: 'production-us-east', status: 'updating', nodeCount: 4 });

    const after = manifestCommits(w.repo);
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ author: 'user_alice', subject: 'cluster.addNode: production-us-east +1 worker (small)' });
    expect(changedFiles(w.repo, after[0]!.hash)).toEqual(['M\tclusters/production-us-east.yaml']);
    const text = file('clusters/production-us-east.yaml')!;
    expect(parse(text).nodes).toEqual([
      { role: 'manager', plan: 'medium', count: 1 },
      { role: 'worker', plan: 'small', count: 3 },
    ]);
    expect(text).toContain('# capacity reviewed by ops, 2025-06');
    expect(text).toContain('plan: medium # keep medium: etcd');

    await converged(w.co, 'cluster_abc123', 4);
    expect(world(w.sim, 'cluster_abc123')).toEqual(['node_001:manager/medium', 'node_002:worker/small', 'node_003:worker/small', 'node_004:worker/small']);
  });

  it('DELETE /api/cluster.removeNode shrinks the group, lists node_002 under remove:, and exactly node_002 goes', async () => {
    const before = manifestCommits(w.repo).length;
    const res = await curl([
      '-X', 'DELETE', `${base}/api/cluster.removeNode`,
      '-H', auth,
      '-H', 'Content-Type: application/json',
      '-d', `{
"clusterId": "cluster_abc123",
"nodeId": "node_002"
}`,
    ]);
    expect(res.status).toBe(200);
    expect(keysOf(res.json.result.data)).toEqual(DETAIL_KEYS);
    expect(res.json.result.data).toMatchObject({ id: 'cluster_abc123', status: 'updating', nodeCount: 3 });

    const after = manifestCommits(w.repo);
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ author: 'user_alice', subject: 'cluster.removeNode: production-us-east -node_002' });
    expect(changedFiles(w.repo, after[0]!.hash)).toEqual(['M\tclusters/production-us-east.yaml']);
    const text = file('clusters/production-us-east.yaml')!;
    expect(parse(text).nodes).toEqual([
      { role: 'manager', plan: 'medium', count: 1 },
      { role: 'worker', plan: 'small', count: 2, remove: ['node_002'] },
    ]);
    expect(text).toContain('# capacity reviewed by ops, 2025-06');

    await waitFor('node_002 gone', () => !world(w.sim, 'cluster_abc123').some((n) => n.startsWith('node_002')));
    await converged(w.co, 'cluster_abc123', 3);
    expect(world(w.sim, 'cluster_abc123')).toEqual(['node_001:manager/medium', 'node_003:worker/small', 'node_004:worker/small']);
  });

  it('DELETE /api/cluster.remove → 204 with no body, one commit deleting the manifest, then the VMs go', async () => {
    const before = manifestCommits(w.repo).length;
    const res = await curl([
      '-X', 'DELETE', `${base}/api/cluster.remove`,
      '-H', auth,
      '-H', 'Content-Type: application/json',
      '-d', `{
"clusterId": "cluster_abc123"
}`,
    ]);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    const after = manifestCommits(w.repo);
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ author: 'user_alice', subject: 'cluster.remove: production-us-east' });
    expect(changedFiles(w.repo, after[0]!.hash)).toEqual(['D\tclusters/production-us-east.yaml']);
    expect(clusterFiles(w.repo)).toEqual(['clusters/staging.yaml']);

    await waitFor('production VMs gone', () => vmsOf(w.sim, 'cluster_abc123').length === 0 && !w.co.store.cluster('cluster_abc123'));
    const one = await curl([`${base}/api/cluster.one?clusterId=cluster_abc123`, '-H', auth]);
    expect(one.status).toBe(404);
    expect(one.json).toEqual({ error: { code: 'NOT_FOUND', message: 'cluster not found', httpStatus: 404 } });
    // The other cluster was never touched.
    expect(world(w.sim, 'cluster_def456')).toEqual(['node_001:manager/small']);
  });
});
