import { createHmac, randomBytes } from 'node:crypto';
import type { Clusterops } from '../src/main.js';
import { startSimCloud } from '../src/sim/cloud.js';
import { benchConfig, startDaemon, waitUntil } from './lib/daemon.js';
import { manifestText, type FleetCluster } from './lib/fleet.js';
import { git, BenchRepo } from './lib/repo.js';
import { ratioFigure, round, runBenchmark, since, spread, stats } from './lib/report.js';

/**
 * Figure 4: from the start of a person's `git push` of a scale-up (+1 worker) to the first
 * provider create call reaching the (simulated) provider, (a) with the GitHub webhook delivered
 * right after the push, (b) with polling only, at the default interval. The floor of (a) is the
 * `git push` itself; the floor of (b) is half the interval, the mean wait for a push at a random
 * moment (the samples are pushed at evenly spread phases of the poll timer, so their mean estimates it).
 */
const WEBHOOK_SAMPLES = 8;
const POLL_SAMPLES = Number(process.env.BENCH_POLL_SAMPLES ?? 4);
const SECRET = randomBytes(16).toString('hex');

await runBenchmark('push-to-converge', async () => {
  const repo = await BenchRepo.create();
  const creates: number[] = [];
  const sim = await startSimCloud({ bootMs: 0, deleteMs: 0, hooks: { created: () => void creates.push(performance.now()) } });
  const cluster: FleetCluster = { id: 'cluster_push', name: 'push', provider: 'digitalocean', region: 'sfo3', groups: [{ role: 'manager', plan: 'small', count: 1 }, { role: 'worker', plan: 'micro', count: 1 }] };
  let co: Clusterops | undefined;
  try {
    await repo.write({ 'clusters/push.yaml': manifestText(cluster) });
    await repo.push('one cluster');
    const config = benchConfig(repo.remote, await repo.dir('data'), { endpoints: sim.endpoints(), credentials: sim.credentials }, { webhookSecret: SECRET });
    co = await startDaemon(config, sim);
    // The poll timer starts as start() returns: its ticks fall at timerStart + k × interval.
    const timerStart = performance.now();
    await waitUntil('the first cluster to be created', () => creates.length === 2, 60_000, 10);
    const scaleUp = async (deliver: boolean, at?: number, tick?: number) => {
      await settled(co!, cluster);
      await repo.pull();
      cluster.groups[1]!.count++;
      await repo.write({ 'clusters/push.yaml': manifestText(cluster) });
      await git(repo.work, 'commit', '-q', '-am', `push: ${cluster.groups[1]!.count} workers`);
      const before = creates.length;
      if (at !== undefined) await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
      let t0 = performance.now();
      for (;;) {
        try {
          await git(repo.work, 'push', '-q', 'origin', 'HEAD:main');
          break;
        } catch {
          // A status commit landed first: like a person, rebase and push again (and time that push).
          await git(repo.work, 'pull', '-q', '--rebase', 'origin', 'main');
          t0 = performance.now();
        }
      }
      const pushMs = since(t0);
      if (deliver) await webhook(co!.url, await repo.head());
      await waitUntil('the scale-up to reach the provider', () => creates.length > before, config.pollIntervalMs * 3, 1);
      // With polling, the poll tick that takes the push in falls at `tick`: what clusterops adds
      // is the time from that tick to the create, the rest is the wait for it (the poll lead).
      return { pushMs, latencyMs: creates[before]! - t0, ...(tick !== undefined ? { afterTickMs: creates[before]! - tick } : {}) };
    };
    const hooked = [];
    for (let i = 0; i < WEBHOOK_SAMPLES; i++) hooked.push(await scaleUp(true));
    const polled = [];
    for (let i = 0; i < POLL_SAMPLES; i++) {
      // Push at evenly spread phases of the poll timer, (i + ½)/n of an interval before a tick.
      const lead = ((i + 0.5) / POLL_SAMPLES) * config.pollIntervalMs;
      const earliest = performance.now() + 500 + lead;
      const tick = timerStart + Math.ceil((earliest - timerStart) / config.pollIntervalMs) * config.pollIntervalMs;
      polled.push(await scaleUp(false, tick - lead, tick));
    }
    const h = stats(hooked.map((s) => s.latencyMs));
    const hp = stats(hooked.map((s) => s.pushMs));
    const p = stats(polled.map((s) => s.latencyMs));
    const afterTick = stats(polled.map((s) => s.afterTickMs!));
    return {
      figures: [
        ratioFigure(`push → first create, webhook (p50 of ${h.n})`, h.p50, hp.p50, 'ms', undefined, `max ${round(h.max)} ms; floor = the git push itself`),
        ratioFigure(`push → first create, polling every ${config.pollIntervalMs / 1000} s (mean of ${p.n})`, p.mean, config.pollIntervalMs / 2, 'ms', undefined, `samples ${polled.map((s) => Math.round(s.latencyMs)).join(', ')} ms; floor = interval / 2`),
        { figure: `poll tick → first create, polling (mean of ${afterTick.n})`, value: round(afterTick.mean), unit: 'ms', note: `push-to-converge latency minus the poll lead; ${spread(polled.map((s) => s.afterTickMs!))}` },
      ],
      details: { pollIntervalMs: config.pollIntervalMs, webhook: { latency: h, push: hp, samples: hooked }, polling: { latency: p, afterTick, samples: polled } },
    };
  } finally {
    await co?.close();
    await sim.close();
    await repo.cleanup();
  }
});

/** Waits until the cluster runs at its size and the daemon's status commits for it are pushed. */
async function settled(co: Clusterops, c: FleetCluster): Promise<void> {
  const size = c.groups.reduce((n, g) => n + g.count, 0);
  await waitUntil('the cluster to settle', () => {
    const s = co.store.cluster(c.id)?.status;
    return s?.status === 'running' && s.nodes.length === size;
  }, 60_000, 10);
  await co.daemon.controller.idle();
  await co.statusWriter?.flush();
}

/** What GitHub sends after a push: a signed `push` delivery. */
async function webhook(url: string, after: string): Promise<void> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { full_name: 'bench/clusters' } });
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const res = await fetch(new URL('/hooks/git', url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });
  if (res.status !== 202) throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
}
