import type { Provider } from '../src/domain/manifest/types.js';
import type { Clusterops } from '../src/main.js';
import { TAG } from '../src/providers/ownership.js';
import { startSimCloud, type SimCloud } from '../src/sim/cloud.js';
import { benchConfig, startDaemon, waitUntil } from './lib/daemon.js';
import { manifestText, type FleetCluster } from './lib/fleet.js';
import { BenchRepo } from './lib/repo.js';
import { ratioFigure, round, runBenchmark, since, spread, stats, type Figure } from './lib/report.js';

/**
 * Figure 3: a new cluster of 1, 10 and 50 nodes on each provider, with a simulated boot time B:
 * time from the poll that takes in its manifest to clusterops reporting every node running, vs B;
 * and the provider API calls per node it took. The clock starts at `daemon.pollNow()` (what the
 * webhook runs); figure 4 measures how long a push takes to get there.
 */
const BOOT_MS = Number(process.env.BENCH_BOOT_MS ?? 3000);
const SIZES = (process.env.BENCH_SIZES ?? '1,10,50').split(',').map(Number);
/** New clusters measured per provider and size (each a cluster of its own, left running). */
const SAMPLES = Number(process.env.BENCH_CONVERGENCE_SAMPLES ?? 5);
const REGION: Record<Provider, string> = { digitalocean: 'sfo3', hetzner: 'fsn1', aws: 'us-east-1' };
const RUNNING = new Set(['active', 'running']);

await runBenchmark('convergence', async () => {
  const repo = await BenchRepo.create();
  // A DigitalOcean account raised past the default 25 droplets; its 10 creates at a time stay, as on a real account.
  const sim = await startSimCloud({ bootMs: BOOT_MS, deleteMs: BOOT_MS, digitalocean: { dropletLimit: 1000 } });
  let co: Clusterops | undefined;
  try {
    await repo.write({ 'clusters/.keep': '' });
    await repo.write({});
    await repo.push('empty fleet');
    co = await startDaemon(benchConfig(repo.remote, await repo.dir('data'), { endpoints: sim.endpoints(), credentials: sim.credentials }), sim);
    const figures: Figure[] = [];
    const runs: Run[] = [];
    for (const provider of (process.env.BENCH_PROVIDERS ?? 'digitalocean,hetzner,aws').split(',') as Provider[]) {
      for (const size of SIZES) {
        const samples: Run[] = [];
        for (let i = 0; i < SAMPLES; i++) samples.push(await converge(co, sim, repo, provider, size, i));
        runs.push(...samples);
        const median = (pick: (r: Run) => number) => stats(samples.map(pick)).p50;
        const status = samples.map((r) => r.statusMs);
        figures.push({
          ...ratioFigure(
            `converge ${size} node${size === 1 ? '' : 's'}, ${provider} (median of ${SAMPLES})`,
            median((r) => r.statusMs),
            BOOT_MS,
            'ms',
            undefined,
            `${spread(status)}; VMs running at ${Math.round(median((r) => r.vmsMs))} ms (median); ${median((r) => r.callsPerNode)} calls/node (median)`,
          ),
          target: `≤ B + 2 s (${BOOT_MS + 2000} ms)`,
          pass: median((r) => r.statusMs) <= BOOT_MS + 2000,
        });
      }
    }
    return { figures, details: { bootMs: BOOT_MS, runs } };
  } finally {
    await co?.close();
    await sim.close();
    await repo.cleanup();
  }
});

type Run = Awaited<ReturnType<typeof converge>>;

async function converge(co: Clusterops, sim: SimCloud, repo: BenchRepo, provider: Provider, size: number, sample: number) {
  const c: FleetCluster = {
    id: `cluster_c${provider.slice(0, 2)}${size}s${sample}`,
    name: `conv-${provider}-${size}-${sample}`,
    provider,
    region: REGION[provider],
    groups: [{ role: 'manager', plan: 'small', count: 1 }, ...(size > 1 ? [{ role: 'worker' as const, plan: 'micro' as const, count: size - 1 }] : [])],
  };
  await repo.write({ [`clusters/${c.name}.yaml`]: manifestText(c) });
  await repo.push(`add ${c.name}`);
  co.calls.reset();
  const t0 = performance.now();
  let vmsMs = Number.NaN;
  await co.daemon.pollNow();
  await waitUntil(`${c.name} to run`, () => {
    const vms = sim.emulators[provider].vms().filter((v) => v.tags[TAG.cluster] === c.id);
    if (Number.isNaN(vmsMs) && vms.length === size && vms.every((v) => RUNNING.has(v.status))) vmsMs = since(t0);
    const s = co.store.cluster(c.id)?.status;
    return s?.status === 'running' && s.nodes.length === size && s.nodes.every((n) => n.status === 'running');
  }, 180_000, 5).catch((err: unknown) => {
    // Say where it got stuck before giving up.
    const vms = sim.emulators[provider].vms().filter((v) => v.tags[TAG.cluster] === c.id);
    const r = co.store.cluster(c.id);
    const states = [...new Set(vms.map((v) => v.status))].join(', ');
    console.error(`${c.name}: ${vms.length} VMs (${states}); status ${r?.status?.status}; ${r?.intents.length} intents; last events ${JSON.stringify(r?.events.slice(-5))}`);
    throw err;
  });
  const statusMs = since(t0);
  const calls: Record<string, number> = {};
  for (const call of co.calls.calls) calls[call.operation] = (calls[call.operation] ?? 0) + 1;
  const total = co.calls.calls.length;
  return { provider, size, sample, statusMs, vmsMs, calls, callsPerNode: round(total / size, 2), throttled: co.calls.calls.filter((x) => x.status === 429 || x.status === 503).length };
}
