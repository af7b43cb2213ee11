import { watch } from 'node:fs';
import type { Clusterops } from '../src/main.js';
import { startBigWorld, type BigWorld } from './lib/big-world.js';
import { listPages, nodeCount } from './lib/fleet.js';
import { listFloor, type ListFloorTarget } from './lib/list-floor.js';
import { round, ratioFigure, runBenchmark, since, stats, type Figure } from './lib/report.js';

/**
 * Figure 2: a full reconcile pass (`daemon.resync()`: a poll, then every cluster through the real
 * reconciler and SDKs over HTTP) over 1,000 clusters whose VMs already match, vs the least work
 * such a pass cannot avoid: a `git ls-remote` and every list page of the owner's VMs fetched and
 * decoded (`list-floor.ts`). (Parsing the manifests is no floor: an unchanged revision is not
 * parsed again.) The simulated cloud runs in its own process, seeded with the fleet's VMs; a
 * first pass (not measured) builds the daemon's records.
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

async function measure({ co, clusters, repo, sim, warmUpMs, dataDir }: BigWorld) {
  const pages = listPages(clusters);
  const target: ListFloorTarget = { remote: repo.remote, endpoints: sim.endpoints, credentials: sim.credentials, ownerId: co.store.instanceId, awsRegions: [...new Set(clusters.filter((c) => c.provider === 'aws').map((c) => c.region))] };
  const passes: Awaited<ReturnType<typeof measurePass>>[] = [];
  const floors: number[] = [];
  for (let i = 0; i < PASSES; i++) {
    floors.push(await floorMs(target, expectedPages(pages)));
    // Past the listings' maximum age (half the default requeue), so the pass lists afresh.
    await new Promise((r) => setTimeout(r, 1_500));
    passes.push(await measurePass(co, dataDir));
  }
  floors.push(await floorMs(target, expectedPages(pages)));
  const median = passes.slice().sort((a, b) => a.ms - b.ms)[Math.floor(PASSES / 2)]!;
  const floor = stats(floors).p50;
  const expected = pages.digitalocean + pages.hetzner + pages.aws;
  const calls = Object.values(median.calls).reduce((a, b) => a + b, 0);
  const writes = Object.entries(median.calls).filter(([op]) => !READS.has(op.split(' ')[1]!)).reduce((n, [, c]) => n + c, 0);
  const figures: Figure[] = [
    ratioFigure(`idle pass, ${CLUSTERS} clusters (median of ${PASSES})`, median.ms, floor, 'ms', 3, `passes ${passes.map((p) => Math.round(p.ms)).join(', ')} ms; floor = ls-remote + fetching and decoding the ${expected} list pages (median of ${floors.length})`),
    { figure: 'idle pass, provider API calls', value: calls, unit: 'calls', floor: expected, ratio: round(calls / expected, 2), target: '= list pages', pass: calls === expected, note: `pages: DO ${pages.digitalocean} + Hetzner ${pages.hetzner} + EC2 ${pages.aws}` },
    { figure: 'idle pass, provider writes', value: writes, unit: 'calls', target: '= 0', pass: writes === 0 },
    { figure: 'idle pass, store writes', value: median.storeWrites, unit: 'writes', note: 'state.json rewrites on disk during the pass' },
    { figure: 'idle pass, peak RSS during the pass', value: median.peakRssMiB, unit: 'MiB', note: `heap peak ${median.heapPeakMiB} MiB; ${clusters.reduce((n, c) => n + nodeCount(c), 0)} VMs; cloud in another process` },
  ];
  return { figures, details: { clusters: CLUSTERS, vms: sim.seeded, warmUpMs: Math.round(warmUpMs), expectedPages: pages, passes, floors } };
}

function expectedPages(pages: Record<string, number>): number {
  return Object.values(pages).reduce((a, b) => a + b, 0);
}

/** One floor measurement, which must read exactly the pages an observation needs. */
async function floorMs(target: ListFloorTarget, expected: number): Promise<number> {
  const { ms, pages } = await listFloor(target);
  if (pages !== expected) throw new Error(`the floor read ${pages} list pages, expected ${expected}`);
  return ms;
}

async function measurePass(co: Clusterops, dataDir: string) {
  co.calls.reset();
  // Rewrites of the file itself (each durable write renames a temp file onto state.json), not
  // calls of the store's API: concurrent updates share one write.
  let storeWrites = 0;
  const watcher = watch(dataDir, (_event, file) => {
    if (file === 'state.json') storeWrites++;
  });
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
  await new Promise((r) => setTimeout(r, 100)); // let the last rename event arrive
  watcher.close();
  const calls: Record<string, number> = {};
  for (const c of co.calls.calls) calls[`${c.provider} ${c.operation}`] = (calls[`${c.provider} ${c.operation}`] ?? 0) + 1;
  return { ms, peakRssMiB: round(peakRss / 2 ** 20), heapPeakMiB: round(heapPeak / 2 ** 20), calls, storeWrites };
}
