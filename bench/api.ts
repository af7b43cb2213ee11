import type { Server } from 'node:http';
import Koa from 'koa';
import { openAccounts } from '../src/auth/accounts.js';
import { startBigWorld, type BigWorld } from './lib/big-world.js';
import { manifestText, type FleetCluster } from './lib/fleet.js';
import { git } from './lib/repo.js';
import { inverseRatioFigure, ratioFigure, round, runBenchmark, since, stats, tail, type Figure } from './lib/report.js';

/**
 * Figure 5: the Clusters API with 1,000 clusters. Reads (`cluster.all`, `cluster.one`) against a
 * bare Koa route serving the very JSON they answered, requests interleaved; writes
 * (`cluster.create`, `cluster.addNode`: edit, commit, push, and wait until the daemon has the
 * revision) against a loop of plain edit + `git commit` + `git push` on the same repository.
 */
const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 1000);
const READ_SAMPLES = { all: Number(process.env.BENCH_READS ?? 200), one: 500 };
const WRITES = Number(process.env.BENCH_WRITES ?? 10);
const CONCURRENT = { clients: 8, writes: 2 * WRITES };

await runBenchmark('api', async () => {
  let token = '';
  const world = await startBigWorld(CLUSTERS, {
    config: { statusCommits: false },
    beforeStart: async (dataDir) => {
      const accounts = await openAccounts(dataDir);
      await accounts.createOrganization('org_abc123', 'Bench');
      await accounts.addUser('user_bench', { organizationId: 'org_abc123', role: 'admin' });
      token = (await accounts.createToken('user_bench', 'benchmarks')).token;
    },
  });
  try {
    const api = (method: string, path: string, body?: unknown) => request(world.co.url, method, path, token, body);
    const reads = await measureReads(world, api);
    const writes = await measureWrites(world, api);
    return { figures: [...reads.figures, ...writes.figures], details: { clusters: CLUSTERS, warmUpMs: Math.round(world.warmUpMs), reads: reads.details, writes: writes.details } };
  } finally {
    await world.close();
  }
});

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; text: string }>;

async function request(base: string, method: string, path: string, token: string | null, body?: unknown) {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [since(t0), out];
}

async function measureReads(world: BigWorld, api: Api) {
  const all = await api('GET', '/api/cluster.all');
  if (all.status !== 200 || JSON.parse(all.text).result.data.length !== CLUSTERS) throw new Error(`cluster.all answered ${all.status}: ${all.text.slice(0, 200)}`);
  const ids = world.clusters.map((c) => c.id);
  const ones = new Map<string, unknown>();
  for (const id of ids) ones.set(id, JSON.parse((await api('GET', `/api/cluster.one?clusterId=${id}`)).text));
  const bare = await serveBare(JSON.parse(all.text), ones);
  try {
    const samples = { all: [] as number[], allBare: [] as number[], one: [] as number[], oneBare: [] as number[] };
    for (let i = 0; i < READ_SAMPLES.all; i++) {
      samples.all.push((await timed(() => api('GET', '/api/cluster.all')))[0]);
      samples.allBare.push((await timed(() => request(bare.url, 'GET', '/all', null)))[0]);
    }
    for (let i = 0; i < READ_SAMPLES.one; i++) {
      const id = ids[(i * 7919) % ids.length]!;
      samples.one.push((await timed(() => api('GET', `/api/cluster.one?clusterId=${id}`)))[0]);
      samples.oneBare.push((await timed(() => request(bare.url, 'GET', `/one?clusterId=${id}`, null)))[0]);
    }
    const [a, ab, o, ob] = [stats(samples.all), stats(samples.allBare), stats(samples.one), stats(samples.oneBare)];
    const figures: Figure[] = [
      ratioFigure('cluster.all p50', a.p50, ab.p50, 'ms', 1.5, `${Math.round(all.text.length / 1024)} KiB of JSON`),
      ratioFigure(`cluster.all ${tail(a).label}`, tail(a).value, tail(ab).value, 'ms', 1.5),
      ratioFigure('cluster.one p50', o.p50, ob.p50, 'ms', 1.5),
      ratioFigure(`cluster.one ${tail(o).label}`, tail(o).value, tail(ob).value, 'ms', 1.5),
    ];
    return { figures, details: { all: a, allBare: ab, one: o, oneBare: ob } };
  } finally {
    await bare.close();
  }
}

/** The floor of the reads: Koa with one middleware answering the same JSON (serialised per request, as clusterops does). */
async function serveBare(all: unknown, ones: Map<string, unknown>): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use(async (ctx) => {
    ctx.body = ctx.path === '/all' ? all : ones.get(String(ctx.query.clusterId));
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function measureWrites(world: BigWorld, api: Api) {
  let n = 0;
  const create = async () => {
    const res = await api('POST', '/api/cluster.create', { organizationId: 'org_abc123', name: `api-${n++}`, provider: 'hetzner', region: 'nbg1', orchestrator: 'kubernetes', nodes: [{ role: 'manager', plan: 'small', count: 1 }] });
    if (res.status !== 201) throw new Error(`cluster.create answered ${res.status}: ${res.text.slice(0, 200)}`);
  };
  let k = 0;
  const addNode = async () => {
    const c = world.clusters[k++ % world.clusters.length]!;
    const res = await api('POST', '/api/cluster.addNode', { clusterId: c.id, role: 'worker', plan: c.groups[1]!.plan });
    if (res.status !== 200) throw new Error(`cluster.addNode answered ${res.status}: ${res.text.slice(0, 200)}`);
  };
  const createMs = await sequential(create);
  const createFloor = await gitLoop(world, (i) => {
    const c: FleetCluster = { id: `cluster_floor${i}`, name: `floor-${i}`, provider: 'hetzner', region: 'nbg1', groups: [{ role: 'manager', plan: 'small', count: 1 }] };
    return { [`clusters/${c.name}.yaml`]: manifestText(c) };
  });
  const addMs = await sequential(addNode);
  const addFloor = await gitLoop(world, (i) => {
    // Clusters the API calls leave alone: one more worker, as addNode writes it.
    const c = structuredClone(world.clusters[world.clusters.length - 1 - i]!);
    c.groups[1]!.count++;
    return { [`clusters/${c.name}.yaml`]: manifestText(c) };
  });
  const createTput = await concurrent(create);
  const addTput = await concurrent(addNode);
  const [c, cf, a, af] = [stats(createMs), stats(createFloor), stats(addMs), stats(addFloor)];
  const figures: Figure[] = [
    ratioFigure(`cluster.create latency p50 of ${c.n}`, c.p50, cf.p50, 'ms', 1.3, `${tail(c).label} ${round(tail(c).value)} ms; floor = edit + git commit + git push`),
    ratioFigure(`cluster.addNode latency p50 of ${a.n}`, a.p50, af.p50, 'ms', 1.3, `${tail(a).label} ${round(tail(a).value)} ms`),
    // Higher is better: the ratio is time per write against the loop's (floor / value).
    inverseRatioFigure(`cluster.create throughput, ${CONCURRENT.clients} clients`, createTput, 1000 / cf.mean, 'writes/s', 1.3, 'ratio = floor / value'),
    inverseRatioFigure(`cluster.addNode throughput, ${CONCURRENT.clients} clients`, addTput, 1000 / af.mean, 'writes/s', 1.3, 'ratio = floor / value'),
  ];
  return { figures, details: { create: c, createFloor: cf, addNode: a, addNodeFloor: af, createThroughput: createTput, addNodeThroughput: addTput } };
}

async function sequential(write: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < WRITES; i++) out.push((await timed(write))[0]);
  return out;
}

/** Writes per second with several clients writing at once. */
async function concurrent(write: () => Promise<void>): Promise<number> {
  let left = CONCURRENT.writes;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT.clients }, async () => {
      while (left-- > 0) await write();
    }),
  );
  return (CONCURRENT.writes * 1000) / since(t0);
}

/** The floor of the writes: a person's loop of edit + `git commit` + `git push` in their clone. */
async function gitLoop(world: BigWorld, edit: (i: number) => Record<string, string>): Promise<number[]> {
  await world.repo.pull();
  const out: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const [ms] = await timed(async () => {
      await world.repo.write(edit(i));
      await git(world.repo.work, 'add', '-A');
      await git(world.repo.work, 'commit', '-q', '-m', `floor write ${i}`);
      await git(world.repo.work, 'push', '-q', 'origin', 'HEAD:main');
    });
    out.push(ms);
  }
  return out;
}
