import { startSimCloud } from '../src/sim/cloud.js';
import { benchConfig, startDaemon } from './lib/daemon.js';
import { fleet, manifestFiles } from './lib/fleet.js';
import { git, BenchRepo } from './lib/repo.js';
import { ratioFigure, round, runBenchmark, since, stats } from './lib/report.js';

/**
 * Figure 1: one poll of an unchanged remote by the running daemon (`daemon.pollNow()`, what a
 * timer tick or a webhook runs) vs a bare `git ls-remote` of the same remote, interleaved.
 */
const SAMPLES = 40;

await runBenchmark('idle-poll', async () => {
  const repo = await BenchRepo.create();
  const sim = await startSimCloud({ bootMs: 0, deleteMs: 0 });
  try {
    await repo.write(manifestFiles(fleet(20)));
    await repo.push('twenty clusters');
    const co = await startDaemon(benchConfig(repo.remote, await repo.dir('data'), { endpoints: sim.endpoints(), credentials: sim.credentials }), sim);
    try {
      const quiet = await settle(co, repo);
      const poll: number[] = [];
      const lsRemote: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        // Alternate which goes first, so neither always runs on a warmer cache.
        const pair = [
          async () => poll.push(await time(() => co.daemon.pollNow())),
          async () => lsRemote.push(await time(() => git(repo.root, 'ls-remote', repo.remote, 'refs/heads/main'))),
        ];
        if (i % 2) pair.reverse();
        for (const step of pair) await step();
      }
      const head = (await git(repo.root, '--git-dir', repo.remote, 'rev-parse', 'main')).trim();
      if (head !== quiet || co.daemon.desired().revision !== quiet) throw new Error('the remote moved during the measurement: not an idle poll');
      const p = stats(poll);
      const f = stats(lsRemote);
      return {
        figures: [ratioFigure('idle poll, p50', p.p50, f.p50, 'ms', 1.5, `mean ${round(p.mean)} ms vs ${round(f.mean)} ms`)],
        details: { samples: SAMPLES, poll: p, lsRemote: f },
      };
    } finally {
      await co.close();
    }
  } finally {
    await sim.close();
    await repo.cleanup();
  }
});

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return since(t0);
}

/** Waits until the daemon has converged, pushed its status commits and taken them in; returns the quiet head. */
async function settle(co: Awaited<ReturnType<typeof startDaemon>>, repo: BenchRepo): Promise<string> {
  for (let round = 0; round < 50; round++) {
    await co.daemon.controller.idle();
    await co.statusWriter?.flush();
    await co.daemon.pollNow();
    const head = (await git(repo.root, '--git-dir', repo.remote, 'rev-parse', 'main')).trim();
    if (co.daemon.controller.depth === 0 && co.daemon.desired().revision === head) {
      await new Promise((r) => setTimeout(r, 300));
      const again = (await git(repo.root, '--git-dir', repo.remote, 'rev-parse', 'main')).trim();
      if (again === head && co.daemon.controller.depth === 0) return head;
    }
  }
  throw new Error('the daemon never settled');
}
