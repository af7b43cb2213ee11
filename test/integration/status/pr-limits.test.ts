import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../api/api-harness.js';
import { alpha, REPO, startGitHubWorld, type GitHubWorld } from '../dashboard/github-world.js';

const PLAN = '<!-- clusterops:plan -->';
const GITHUB_COMMENT_LIMIT = 65_536;

/** A manifest with three errors (bad provider, region and count), each a long diagnostic line. */
const broken = (n: number) => `apiVersion: clusterops/v1
organizationId: org_abc123
name: bad-${String(n).padStart(3, '0')}
provider: not-a-provider-${'x'.repeat(40)}
region: nowhere-${'y'.repeat(40)}
orchestrator: swarm
nodes:
  - role: manager
    plan: small
    count: -${n}
`;

/** An 8.4 MB manifest of 200,000 bad node groups, as a fork's pull request sent. */
const huge = () => `apiVersion: clusterops/v1\norganizationId: org_abc123\nname: huge\nprovider: digitalocean\nregion: sfo3\norchestrator: swarm\nnodes:\n${'  - role: bogus\n    plan: x\n    count: -1\n'.repeat(200_000)}`;

describe('pull-request checks stay bounded: comment cap, refused comments, per-head cache, oversized manifests', () => {
  let world: GitHubWorld;
  const watcher = () => world.w.co.prWatcher!;
  const plans = (n: number) => world.gh.comments(REPO, n).filter((c) => c.body.includes(PLAN));
  const status = (sha: string, context: string) => world.gh.statuses(REPO, sha).find((s) => s.context === context);
  const calls = (op: string) => world.gh.calls[op] ?? 0;
  /** Pushes a branch adding or changing `files` (new files included). */
  const push = (name: string, files: Record<string, string>) => {
    const { repo } = world.w;
    repo.git(repo.work, 'fetch', '-q', 'origin');
    repo.git(repo.work, 'checkout', '-q', '-B', name, 'origin/main');
    for (const [path, content] of Object.entries(files)) writeFileSync(join(repo.work, path), content);
    repo.git(repo.work, 'add', '-A');
    repo.git(repo.work, 'commit', '-qm', `change on ${name}`);
    repo.git(repo.work, 'push', '-q', '-f', 'origin', `${name}:${name}`);
    repo.git(repo.work, 'checkout', '-q', 'main');
  };
  const check = async (n: number) => {
    await watcher().onEvent({ action: 'synchronize', number: n, merged: false });
    await watcher().idle();
  };

  beforeAll(async () => {
    world = await startGitHubWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('300 broken manifests: the plan comment is posted, within GitHub 65,536 characters, saying how many lines were left out', async () => {
    push('many-errors', Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`clusters/bad-${String(i).padStart(3, '0')}.yaml`, broken(i + 1)])));
    const pr = await world.gh.openPullRequest({ repo: REPO, head: 'many-errors', title: '300 broken clusters' });
    await check(pr.number);
    const [comment, ...more] = plans(pr.number);
    expect(more).toEqual([]);
    expect(comment).toBeDefined();
    expect(comment!.body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(comment!.body).toMatch(/… \d+ more lines left out: the comment is capped at GitHub's 65,536 characters/);
    expect(status(pr.headSha, 'clusterops/validate')).toMatchObject({ state: 'failure', description: expect.stringMatching(/^\d+ errors; /) });
  });

  it('a comment GitHub refuses (422) is not retried for that head; the plan status says why', async () => {
    push('refused', { 'clusters/alpha.yaml': alpha(2) });
    const pr = await world.gh.openPullRequest({ repo: REPO, head: 'refused', title: 'refused comment' });
    world.gh.faults.add({ kind: 'status', status: 422, operation: 'issues.createComment', times: 1 });
    const before = calls('issues.createComment');
    await check(pr.number);
    await watcher().pollOnce();
    await check(pr.number);
    expect(calls('issues.createComment') - before).toBe(1);
    expect(plans(pr.number)).toEqual([]);
    expect(status(pr.headSha, 'clusterops/plan')).toMatchObject({ state: 'error', description: expect.stringMatching(/GitHub refused the plan comment \(HTTP 422\); not retried for this commit/) });
  });

  it('a re-check of an unchanged head reads nothing but the pull request and writes nothing', async () => {
    const open = await world.gh.openPullRequest({ repo: REPO, head: 'many-errors', title: 'same head again' });
    await check(open.number);
    const writes = () => calls('repos.createCommitStatus') + calls('issues.createComment') + calls('issues.updateComment');
    const before = { writes: writes(), files: calls('pulls.listFiles'), statuses: calls('repos.listCommitStatusesForRef'), comments: calls('issues.listComments') };
    await check(open.number);
    await check(open.number);
    expect({ writes: writes(), files: calls('pulls.listFiles'), statuses: calls('repos.listCommitStatusesForRef'), comments: calls('issues.listComments') }).toEqual(before);
  });

  it('an 8.4 MB manifest is refused unparsed, and /healthz answers while the check runs', async () => {
    const text = huge();
    expect(text.length).toBeGreaterThan(8_000_000);
    push('huge', { 'clusters/huge.yaml': text });
    const pr = await world.gh.openPullRequest({ repo: REPO, head: 'huge', title: 'huge manifest' });
    let done = false;
    const checking = check(pr.number).finally(() => {
      done = true;
    });
    const latencies: number[] = [];
    let answeredDuring = 0;
    do {
      const started = performance.now();
      const reply = await call(world.w.co.url, 'GET', '/healthz');
      latencies.push(performance.now() - started);
      expect(reply.status).toBe(200);
      if (!done) answeredDuring++;
    } while (!done);
    await checking;
    console.log(`[pr-limits] /healthz during the 8.4 MB check: ${latencies.length} answers, max ${Math.round(Math.max(...latencies))} ms`);
    expect(answeredDuring).toBeGreaterThan(0);
    expect(status(pr.headSha, 'clusterops/validate')).toMatchObject({ state: 'failure', description: expect.stringMatching(/^clusters\/huge\.yaml:1:1: manifest is 8\.\d MB; the limit is 256 KiB/) });
    const [comment] = plans(pr.number);
    expect(comment!.body).toContain('clusters/huge.yaml:1:1: manifest is 8.');
    expect(comment!.body.length).toBeLessThan(5_000);
  });
});
