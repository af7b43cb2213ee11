import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../../support/cli.js';
import { alpha, REPO, startGitHubWorld, WEBHOOK_SECRET, type GitHubWorld } from '../dashboard/github-world.js';
import { postHook, pullRequestBody, signBytes } from './hook-client.js';

/** The environment of a child process with only what it needs (no secret of this shell leaks in). */
const bare = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra });

describe('serve refuses to start without a webhook secret where anybody could forge deliveries', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterops-hook-cfg-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('with the GitHub integration on: exits 2 naming the setting, before anything starts', () => {
    const dataDir = join(dir, 'gh');
    const r = runBin(['serve', '--repo', join(dir, 'none.git'), '--data-dir', dataDir, '--port', '0'], undefined, bare({ CLUSTEROPS_GITHUB_REPO: 'acme/clusters', GITHUB_TOKEN: 'ghp_test_0123456789' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a webhook secret is required because the GitHub integration \(github\.repo\) is on: set CLUSTEROPS_WEBHOOK_SECRET or webhookSecretFile/);
    expect(r.stderr).not.toContain('ghp_test_0123456789');
    // Nothing was started: not even the data directory exists.
    expect(() => rmSync(dataDir)).toThrow(/ENOENT/);
  });

  it('on an address that is not loopback: exits 2 naming the address and the setting', () => {
    const r = runBin(['serve', '--repo', join(dir, 'none.git'), '--data-dir', join(dir, 'host'), '--host', '0.0.0.0', '--port', '0'], undefined, bare({}));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a webhook secret is required because host 0\.0\.0\.0 is not a loopback address: set CLUSTEROPS_WEBHOOK_SECRET/);
  });

  it('accepts loopback addresses without one (the demo), and any address with one', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', '::1', 'localhost']) {
      const r = runBin(['config', 'check', '--demo', '--host', host], undefined, bare({}));
      expect(r.code, `${host}: ${r.stderr}`).toBe(0);
    }
    const secret = runBin(['config', 'check', '--repo', 'x', '--host', '0.0.0.0'], undefined, bare({ CLUSTEROPS_WEBHOOK_SECRET: 's3cret', CLUSTEROPS_GITHUB_REPO: 'acme/clusters', GITHUB_TOKEN: 't' }));
    expect(secret.code, secret.stderr).toBe(0);
  });
});

describe('webhook deliveries: signed over the raw bytes, de-duplicated, coalesced (real app, GitHub emulator)', () => {
  let world: GitHubWorld;
  let pr: { number: number; headSha: string };
  const apiCalls = () => Object.values(world.gh.calls).reduce((n, v) => n + v, 0);
  const url = () => world.w.co.url;

  beforeAll(async () => {
    world = await startGitHubWorld();
    world.branch('alpha-up', { 'clusters/alpha.yaml': alpha(2) });
    pr = await world.gh.openPullRequest({ repo: REPO, head: 'alpha-up', title: 'alpha: one more worker' });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a forged event without a signature answers 401 and costs zero GitHub API calls and comments', async () => {
    const before = apiCalls();
    const reply = await postHook(url(), { event: 'pull_request', body: pullRequestBody('synchronize', pr.number) });
    expect(reply.status).toBe(401);
    const wrongSecret = await postHook(url(), { event: 'pull_request', body: pullRequestBody('synchronize', pr.number), secret: 'guessed' });
    expect(wrongSecret.status).toBe(401);
    await world.w.co.prWatcher!.idle();
    expect(apiCalls()).toBe(before);
    expect(world.gh.comments(REPO, pr.number)).toEqual([]);
    expect(world.gh.statuses(REPO, pr.headSha)).toEqual([]);
  });

  it('the signature must cover the raw bytes: one over the re-serialised JSON, or over a lossy decoding, is refused', async () => {
    const raw = `{ "action": "synchronize",\n  "number": ${pr.number}, "pull_request": { "merged": false } }`;
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect((await postHook(url(), { event: 'pull_request', body: raw, signature: signBytes(WEBHOOK_SECRET, reserialised) })).status).toBe(401);
    // Bytes that are not UTF-8 decode to U+FFFD: a signature of that text is not one of these bytes.
    const bytes = Buffer.concat([Buffer.from(`{"action":"synchronize","number":${pr.number},"x":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect((await postHook(url(), { event: 'pull_request', body: bytes, signature: signBytes(WEBHOOK_SECRET, bytes.toString('utf8')) })).status).toBe(401);
    await world.w.co.prWatcher!.idle();
    expect(world.gh.comments(REPO, pr.number)).toEqual([]);
    // The same raw bytes signed as GitHub signs them are accepted and acted on.
    expect((await postHook(url(), { event: 'pull_request', body: raw, secret: WEBHOOK_SECRET })).status).toBe(202);
    await world.w.co.prWatcher!.idle();
    expect(world.gh.comments(REPO, pr.number).filter((c) => c.body.includes('<!-- clusterops:plan -->'))).toHaveLength(1);
  });

  it('a replayed delivery answers 200 and does nothing', async () => {
    const body = pullRequestBody('synchronize', pr.number);
    const first = await postHook(url(), { event: 'pull_request', body, secret: WEBHOOK_SECRET, delivery: 'delivery-replayed-1' });
    expect(first.status).toBe(202);
    await world.w.co.prWatcher!.idle();
    const before = apiCalls();
    const replay = await postHook(url(), { event: 'pull_request', body, secret: WEBHOOK_SECRET, delivery: 'delivery-replayed-1' });
    expect(replay).toEqual({ status: 200, json: { accepted: false, reason: 'duplicate delivery delivery-replayed-1' } });
    await world.w.co.prWatcher!.idle();
    expect(apiCalls()).toBe(before);
  });

  it('ten events for one pull request while its check runs make one more check, not ten', async () => {
    const before = world.gh.calls['pulls.get'] ?? 0;
    for (let i = 0; i < 10; i++) void world.w.co.prWatcher!.onEvent({ action: 'synchronize', number: pr.number, merged: false });
    await world.w.co.prWatcher!.idle();
    const checks = (world.gh.calls['pulls.get'] ?? 0) - before;
    // At least the one check (the events are not dropped), at most one more while it ran.
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(checks).toBeLessThanOrEqual(2);
  });

  it('a signed "closed, merged" event for a pull request that is not merged posts no result and no apply status', async () => {
    const reply = await postHook(url(), { event: 'pull_request', body: pullRequestBody('closed', pr.number, true), secret: WEBHOOK_SECRET });
    expect(reply.status).toBe(202);
    await world.w.co.prWatcher!.pollOnce();
    await world.w.co.prWatcher!.idle();
    expect(world.gh.comments(REPO, pr.number).filter((c) => c.body.includes('<!-- clusterops:result -->'))).toEqual([]);
    expect(world.gh.statuses(REPO, pr.headSha).filter((s) => s.context === 'clusterops/apply')).toEqual([]);
  });
});
