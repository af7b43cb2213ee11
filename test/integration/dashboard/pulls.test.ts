import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../api/api-harness.js';
import { alpha, bravo, REPO, startGitHubWorld, type GitHubWorld } from './github-world.js';

// Open pull requests' plans on the dashboard, from the PR watcher (octokit against the GitHub
// emulator), each reader seeing only the plans of clusters they may read.
describe('dashboard: pull-request plans', () => {
  let world: GitHubWorld;
  const pulls = async (token: string) => (await call(world.w.co.url, 'GET', '/ui/api/pulls', { token })).json;

  beforeAll(async () => {
    world = await startGitHubWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('shows each open pull request with its statuses and per-cluster plan, to readers of those clusters only', async () => {
    const { w, gh } = world;
    expect(await pulls(w.tokens.alice)).toEqual({ enabled: true, pulls: [] });
    world.branch('alpha-up', { 'clusters/alpha.yaml': alpha(3) });
    world.branch('bravo-up', { 'clusters/bravo.yaml': bravo(3) });
    const a = await gh.openPullRequest({ repo: REPO, head: 'alpha-up', title: 'alpha: two more workers' });
    const b = await gh.openPullRequest({ repo: REPO, head: 'bravo-up', title: 'bravo: HA control plane' });
    await w.co.prWatcher!.pollOnce();

    const alice = await pulls(w.tokens.alice);
    expect(alice.pulls).toHaveLength(1);
    expect(alice.pulls[0]).toMatchObject({
      number: a.number,
      headSha: a.headSha,
      link: `http://127.0.0.1:${new URL(gh.url).port}/${REPO}/pull/${a.number}`,
      validate: { state: 'success' },
      plan: { state: 'success', description: expect.stringContaining('alpha: +2 nodes') },
    });
    expect(alice.pulls[0].clusters).toEqual([
      {
        clusterId: 'cluster_alpha',
        clusterName: 'alpha',
        actions: [
          { action: 'create', nodeId: 'node_003', role: 'worker', plan: 'small', reason: expect.any(String) },
          { action: 'create', nodeId: 'node_004', role: 'worker', plan: 'small', reason: expect.any(String) },
        ],
        errors: [],
        warnings: [],
        managersBefore: 1,
        managersAfter: 1,
        cost: { before: { amount: 36, currency: 'USD', text: '$36.00' }, after: { amount: 72, currency: 'USD', text: '$72.00' }, delta: '+$36.00' },
      },
    ]);
    const eve = await pulls(w.tokens.eve);
    expect(eve.pulls.map((p: { number: number }) => p.number)).toEqual([b.number]);
    expect(eve.pulls[0].clusters.map((c: { clusterName: string; managersAfter: number }) => `${c.clusterName}:${c.managersAfter}`)).toEqual(['bravo:3']);
    // bob (member, no grants) sees neither.
    expect((await pulls(w.tokens.bob)).pulls).toEqual([]);
    expect((await call(w.co.url, 'GET', '/ui/api/session', { token: w.tokens.alice })).json.github).toBe(true);
  });

  it('drops a pull request once it is merged or closed', async () => {
    const { w, gh } = world;
    const [open] = (await pulls(w.tokens.alice)).pulls as { number: number }[];
    await gh.mergePullRequest(REPO, open!.number);
    await w.co.prWatcher!.pollOnce();
    expect((await pulls(w.tokens.alice)).pulls).toEqual([]);
    expect((await pulls(w.tokens.eve)).pulls).toHaveLength(1);
  });
});
