import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clusterops } from '../../../src/main.js';
import type { SimCloud } from '../../../src/sim/cloud.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../../src/sim/github/index.js';
import { converged, group, manifest, simCloud, startDaemon, TestRepo, waitFor, world } from './harness.js';

const REPO = 'acme/clusters';
const SECRET = 'webhook-secret-123';
const web = (workers: number, extra = '') => manifest('web', { id: 'cluster_web', groups: [group('manager', 'small', 1), group('worker', 'small', workers)].join('\n') }) + extra;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// The pull-request flow end to end: the GitHub emulator (real octokit inside clusterops) sends
// signed webhooks to a running clusterops, which answers with statuses and one plan comment.
describe('pull requests on GitHub', () => {
  let repo: TestRepo;
  let sim: SimCloud;
  let co: Clusterops;
  let gh: GitHubEmulator;
  let dataDir: string;

  /** Pushes a branch with `files` changed from main, as a person opening a PR would. */
  const branch = (name: string, files: Record<string, string>) => {
    repo.git(repo.work, 'checkout', '-q', '-B', name, 'origin/main');
    for (const [path, content] of Object.entries(files)) writeFileSync(join(repo.work, path), content);
    repo.git(repo.work, 'add', '-A');
    repo.git(repo.work, 'commit', '-q', '-m', `change on ${name}`);
    repo.git(repo.work, 'push', '-q', '-f', 'origin', `${name}:${name}`);
    repo.git(repo.work, 'checkout', '-q', 'main');
  };
  const planComments = (n: number) => gh.comments(REPO, n).filter((c) => c.body.includes('<!-- clusterops:plan -->'));

  beforeAll(async () => {
    repo = new TestRepo();
    repo.push({ 'clusters/web.yaml': web(1), 'README.md': '# clusters\n' });
    repo.git(repo.work, 'fetch', '-q', 'origin');
    sim = await simCloud(50);
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-gh-'));
    const port = await freePort();
    gh = await startGitHubEmulator({ token: 'gh-token-0123456789', repos: { [REPO]: { bareRepoPath: repo.remote } }, webhook: { url: `http://127.0.0.1:${port}/hooks/git`, secret: SECRET } });
    co = await startDaemon(repo, sim, dataDir, { port, webhookSecret: SECRET, github: { token: 'gh-token-0123456789', repo: REPO, apiUrl: gh.url, pollIntervalMs: 0 } });
    await converged(co, 'cluster_web', 2);
  });
  afterAll(async () => {
    await co?.close();
    await gh?.close();
    await sim?.close();
    repo?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a scale-up PR gets passing statuses and one plan comment with the new node and the cost delta', async () => {
    branch('scale-up', { 'clusters/web.yaml': web(3) });
    const before = { ...gh.calls };
    const pr = await gh.openPullRequest({ repo: REPO, head: 'scale-up', title: 'web: two more workers' });
    await waitFor('plan comment', () => planComments(pr.number).length === 1 && gh.statuses(REPO, pr.headSha).length >= 2);
    const statuses = gh.statuses(REPO, pr.headSha);
    expect(statuses.find((s) => s.context === 'clusterops/validate')?.state).toBe('success');
    const plan = statuses.find((s) => s.context === 'clusterops/plan')!;
    expect(plan.state).toBe('success');
    expect(plan.description).toContain('web: +2 nodes');
    const body = planComments(pr.number)[0]!.body;
    expect(body).toContain('node_003');
    expect(body).toContain('node_004');
    expect(body).toMatch(/\+\$36\.00/);
    const used = Object.entries(gh.calls).reduce((n, [k, v]) => n + v - (before[k] ?? 0), 0);
    console.log(`GitHub API calls for one pull_request event: ${used}`);
    expect(used).toBeLessThanOrEqual(10);

    branch('scale-up', { 'clusters/web.yaml': web(4) });
    const updated = await gh.updatePullRequest(REPO, pr.number);
    await waitFor('comment edited in place', () => planComments(pr.number).length === 1 && planComments(pr.number)[0]!.body.includes('node_005'));
    expect(planComments(pr.number)).toHaveLength(1);
    expect(gh.statuses(REPO, updated.headSha).find((s) => s.context === 'clusterops/plan')?.description).toContain('+3 nodes');

    const { mergeCommitSha } = await gh.mergePullRequest(REPO, pr.number);
    await co.daemon.pollNow();
    await converged(co, 'cluster_web', 5);
    expect(world(sim, 'cluster_web')).toHaveLength(5);
    await waitFor('result comment', () => gh.comments(REPO, pr.number).some((c) => c.body.includes('<!-- clusterops:result -->')), 30_000);
    expect(gh.comments(REPO, pr.number).filter((c) => c.body.includes('<!-- clusterops:result -->'))).toHaveLength(1);
    await waitFor('apply status on the merge commit', () => gh.statuses(REPO, mergeCommitSha).some((s) => s.context === 'clusterops/apply'));
    const apply = gh.statuses(REPO, mergeCommitSha).find((s) => s.context === 'clusterops/apply')!;
    expect(apply.state).toBe('success');
    expect(apply.description).toContain('web running');
  });

  it('an invalid manifest gets a failing validate status naming the line', async () => {
    branch('broken', { 'clusters/web.yaml': web(1).replace('count: 1\n  - role: worker', 'count: 1\n  - role: worker').replace(/count: 1$/m, 'count: -2') });
    const pr = await gh.openPullRequest({ repo: REPO, head: 'broken', title: 'oops' });
    await waitFor('validate status', () => gh.statuses(REPO, pr.headSha).some((s) => s.context === 'clusterops/validate'));
    const validate = gh.statuses(REPO, pr.headSha).find((s) => s.context === 'clusterops/validate')!;
    expect(validate.state).toBe('failure');
    expect(validate.description).toMatch(/clusters\/web\.yaml:\d+:\d+: nodes\[\d\]\.count must be an integer/);
  });

  it('a PR that does not touch clusters/ gets nothing, and a forged webhook is refused', async () => {
    branch('docs', { 'README.md': '# clusters\n\nMore words.\n' });
    const pr = await gh.openPullRequest({ repo: REPO, head: 'docs', title: 'docs' });
    const body = JSON.stringify({ action: 'synchronize', number: pr.number, pull_request: { merged: false } });
    const forged = await fetch(`${co.url}/hooks/git`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'wrong').update(body).digest('hex')}` },
      body,
    });
    expect(forged.status).toBe(401);
    await co.prWatcher!.pollOnce();
    expect(gh.comments(REPO, pr.number)).toEqual([]);
    expect(gh.statuses(REPO, pr.headSha)).toEqual([]);
  });
});
