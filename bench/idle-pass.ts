import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Clusterops } from '../src/main.js';
import { startBigWorld, type BigWorld } from './lib/big-world.js';
import { listPages, nodeCount } from './lib/fleet.js';
import { round, ratioFigure, runBenchmark, since, stats, type Figure } from './lib/report.js';

/**
 * Figure 2: a full reconcile pass (`daemon.resync()`: a poll, then every cluster through the real
 * reconciler and SDKs over HTTP) over 1,000 clusters whose VMs already match, vs reading and
 * parsing the same 1,000 manifests with the `yaml` package alone. The simulated cloud runs in its
 * own process, seeded with the fleet's VMs; a first pass (not measured) builds the daemon's records.
 */
const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 1000);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
const READS = new Set(['droplets.list', 'droplets.get', 'servers.list', 'servers.get', 'DescribeInstances']);

await runBenchmark('idle-pass', async () => {
  // Status commits off: with them on, the first pass writes one status commit per cluster
  // (1,000 commits) before anything can be measured; in an idle pass the writer only compares.
  const world = await startBigWorld(CLUSTERS, { config: { statusCommits: process.env.BENCH_STATUS_COMMITS === 'true' } });
  try {
    return await measure(world);
  } finally {
    await world.close();
  }
});

async function measure({ co, clusters, repo, sim, warmUpMs }: BigWorld) {
  const pages = listPages(clusters);
  const passes: Awaited<ReturnType<typeof measurePass>>[] = [];
  const floors: number[] = [];
  for (let i = 0; i < PASSES; i++) {
    floors.push(await parseAll(join(repo.work, 'clusters')));
    // Past the listings' maximum age (half the default requeue), so the pass lists afresh.
    await new Promise((r) => setTimeout(r, 1_500));
    passes.push(await measurePass(co));
  }
  floors.push(await parseAll(join(repo.work, 'clusters')));
  const median = passes.slice().sort((a, b) => a.ms - b.ms)[Math.floor(PASSES / 2)]!;
  const floor = stats(floors).p50;
  const expected = pages.digitalocean + pages.hetzner + pages.aws;
  const calls = Object.values(median.calls).reduce((a, b) => a + b, 0);
  const writes = Object.entries(median.calls).filter(([op]) => !READS.has(op.split(' ')[1]!)).reduce((n, [, c]) => n + c, 0);
  const figures: Figure[] = [
    ratioFigure(`idle pass, ${CLUSTERS} clusters (median of ${PASSES})`, median.ms, floor, 'ms', 3, `passes ${passes.map((p) => Math.round(p.ms)).join(', ')} ms`),
    { figure: 'idle pass, provider API calls', value: calls, unit: 'calls', floor: expected, ratio: round(calls / expected, 2), target: '= list pages', pass: calls === expected, note: `pages: DO ${pages.digitalocean} + Hetzner ${pages.hetzner} + EC2 ${pages.aws}` },
    { figure: 'idle pass, provider writes', value: writes, unit: 'calls', target: '= 0', pass: writes === 0 },
    { figure: 'idle pass, store writes', value: median.storeWrites, unit: 'writes', note: 'state.json rewrites during the pass' },
    { figure: 'idle pass, peak RSS during the pass', value: median.peakRssMiB, unit: 'MiB', note: `heap peak ${median.heapPeakMiB} MiB; ${clusters.reduce((n, c) => n + nodeCount(c), 0)} VMs; cloud in another process` },
  ];
  return { figures, details: { clusters: CLUSTERS, vms: sim.seeded, warmUpMs: Math.round(warmUpMs), expectedPages: pages, passes, floors } };
}

/** The floor: read and parse every manifest with `yaml`, nothing else. */
async function parseAll(dir: string): Promise<number> {
  const t0 = performance.now();
  const names = await readdir(dir);
  for (const name of names) parse(await readFile(join(dir, name), 'utf8'));
  return since(t0);
}

async function measurePass(co: Clusterops) {
  co.calls.reset();
  let storeWrites = 0;
  const update = co.store.update;
  co.store.update = (fn) => {
    storeWrites++;
    return update(fn);
  };
  let peakRss = process.memoryUsage.rss();
  let heapPeak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 10);
  const t0 = performance.now();
  await co.daemon.resync();
  await co.daemon.controller.idle();
  const ms = since(t0);
  clearInterval(sampler);
  co.store.update = update;
  const calls: Record<string, number> = {};
  for (const c of co.calls.calls) calls[`${c.provider} ${c.operation}`] = (calls[`${c.provider} ${c.operation}`] ?? 0) + 1;
  return { ms, peakRssMiB: round(peakRss / 2 ** 20), heapPeakMiB: round(heapPeak / 2 ** 20), calls, storeWrites };
}
