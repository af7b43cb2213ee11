import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubEmulator, type GitHubEmulator } from '../../../src/sim/github/index.js';
import { call, converged, group, manifest, startApiWorld, type ApiWorld } from '../api/api-harness.js';

const REPO = 'acme/clusters';
const GH_TOKEN = 'gh-token-dashboard-0123456789';
const alpha = (workers: number) => manifest('alpha', { id: 'cluster_alpha', groups: [group('manager', 'small', 1), group('worker', 'small', workers)].join('\n') });
const bravo = (managers: number) => manifest('bravo', { id: 'cluster_bravo', provider: 'hetzner', region: 'nbg1', groups: group('manager', 'small', managers) }).replace('organizationId: org_abc123', 'organizationId: org_other');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// Open pull requests' plans on the dashboard, from the PR watcher (octokit against the GitHub
// emulator), each reader seeing only the plans of clusters they may read.
describe('dashboard: pull-request plans', () => {
  let w: ApiWorld;
  let gh: GitHubEmulator;
  const pulls = async (token: string) => (await call(w.co.url, 'GET', '/ui/api/pulls', { token })).json;
  const branch = (name: string, files: Record<string, string>) => {
    const { repo } = w;
    repo.git(repo.work, 'fetch', '-q', 'origin');
    repo.git(repo.work, 'checkout', '-q', '-B', name, 'origin/main');
    for (const [path, content] of Object.entries(files)) writeFileSync(join(repo.work, path), content);
    repo.git(repo.work, 'commit', '-qam', `change on ${name}`);
    repo.git(repo.work, 'push', '-q', '-f', 'origin', `${name}:${name}`);
    repo.git(repo.work, 'checkout', '-q', 'main');
  };

  beforeAll(async () => {
    // The emulator needs the world's repository and the world needs the emulator's address: pick the port first.
    const port = await freePort();
    w = await startApiWorld({
      files: { 'clusters/alpha.yaml': alpha(1), 'clusters/bravo.yaml': bravo(1) },
      config: { statusCommits: false, github: { token: GH_TOKEN, repo: REPO, apiUrl: `http://127.0.0.1:${port}`, pollIntervalMs: 0 } },
    });
    gh = await startGitHubEmulator({ token: GH_TOKEN, port, repos: { [REPO]: { bareRepoPath: w.repo.remote } } });
    await Promise.all([converged(w.co, 'cluster_alpha', 2), converged(w.co, 'cluster_bravo', 1)]);
  });
  afterAll(async () => {
    await w?.close();
    await gh?.close();
  });

  it('shows each open pull request with its statuses and per-cluster plan, to readers of those clusters only', async () => {
    expect(await pulls(w.tokens.alice)).toEqual({ enabled: true, pulls: [] });
    branch('alpha-up', { 'clusters/alpha.yaml': alpha(3) });
    branch('bravo-up', { 'clusters/bravo.yaml': bravo(3) });
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
    const [open] = (await pulls(w.tokens.alice)).pulls as { number: number }[];
    await gh.mergePullRequest(REPO, open!.number);
    await w.co.prWatcher!.pollOnce();
    expect((await pulls(w.tokens.alice)).pulls).toEqual([]);
    expect((await pulls(w.tokens.eve)).pulls).toHaveLength(1);
  });
});
