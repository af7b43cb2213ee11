import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converged, waitFor } from '../api/api-harness.js';
import { alpha, REPO, startGitHubWorld, WEBHOOK_SECRET, type GitHubWorld } from '../dashboard/github-world.js';
import { postHook, pullRequestBody } from './hook-client.js';

const RESULT = '<!-- clusterops:result -->';

// The result comment of a merged pull request, without any webhook (the world's GitHub
// emulator sends none): found by polling, posted once the daemon applied the merge commit,
// about the clusters the pull request touched only (bravo belongs to another organisation).
describe('merged pull requests: the result comment comes from what the daemon applied', () => {
  let world: GitHubWorld;
  let pr: { number: number; headSha: string };
  let mergeSha: string;
  const results = () => world.gh.comments(REPO, pr.number).filter((c) => c.body.includes(RESULT));
  const applyStatuses = () => world.gh.statuses(REPO, mergeSha).filter((s) => s.context === 'clusterops/apply');

  beforeAll(async () => {
    world = await startGitHubWorld();
    world.branch('alpha-up', { 'clusters/alpha.yaml': alpha(2) });
    pr = await world.gh.openPullRequest({ repo: REPO, head: 'alpha-up', title: 'alpha: one more worker' });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('is not posted while the daemon has not taken the merge commit in', async () => {
    ({ mergeCommitSha: mergeSha } = await world.gh.mergePullRequest(REPO, pr.number));
    await world.w.co.prWatcher!.pollOnce();
    await world.w.co.prWatcher!.pollOnce();
    expect(results()).toEqual([]);
    expect(applyStatuses()).toEqual([]);
  });

  it('is found by polling once the merge is applied, and summarises only the touched clusters', async () => {
    await world.w.co.daemon.pollNow();
    await converged(world.w.co, 'cluster_alpha', 3);
    await waitFor('the result comment', async () => {
      await world.w.co.prWatcher!.pollOnce();
      return results().length > 0;
    });
    const [result, ...more] = results();
    expect(more).toEqual([]);
    expect(result!.body).toContain(`✅ Applied \`${mergeSha.slice(0, 7)}\``);
    expect(result!.body).toContain('alpha running (3/3 nodes)');
    expect(result!.body).not.toContain('bravo');
    const [apply, ...again] = applyStatuses();
    expect(again).toEqual([]);
    expect(apply).toMatchObject({ state: 'success', description: 'applied: alpha running (3/3 nodes)' });
  });

  it('a replayed "closed, merged" event afterwards changes nothing', async () => {
    const before = results()[0]!;
    const reply = await postHook(world.w.co.url, { event: 'pull_request', body: pullRequestBody('closed', pr.number, true), secret: WEBHOOK_SECRET });
    expect(reply.status).toBe(202);
    await world.w.co.prWatcher!.idle();
    await world.w.co.prWatcher!.pollOnce();
    expect(results()).toEqual([before]);
    expect(applyStatuses()).toHaveLength(1);
  });
});
