import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Octokit, RequestError } from 'octokit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubEmulator, type GitHubEmulator } from '../../../src/sim/github/index.js';

const TOKEN = 'ghp_simtoken';
const REPO = 'acme/fleet';
const [owner, repo] = REPO.split('/') as [string, string];
const ID = ['-c', 'user.name=Dev Eloper', '-c', 'user.email=dev@example.test'];

interface Fixture {
  dir: string;
  bare: string;
  work: string;
  git(...args: string[]): string;
  commit(files: Record<string, string | null>, message: string): string;
}

/** A bare repo with `main` (two files) and `feature` (one modified, one added, one renamed). */
function createFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'gh-sim-test-'));
  const bare = join(dir, 'fleet.git');
  const work = join(dir, 'work');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  execFileSync('git', ['clone', '--quiet', bare, work], { stdio: 'ignore' });
  const git = (...args: string[]) => execFileSync('git', [...ID, ...args], { cwd: work, encoding: 'utf8' });
  const commit = (files: Record<string, string | null>, message: string) => {
    for (const [path, content] of Object.entries(files)) {
      if (content === null) rmSync(join(work, path));
      else {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), content);
      }
    }
    git('add', '-A');
    git('commit', '--quiet', '-m', message);
    return git('rev-parse', 'HEAD').trim();
  };
  git('checkout', '--quiet', '-b', 'main');
  commit({ 'clusters/alpha.yaml': 'name: alpha\nnodes: 1\n', 'clusters/old.yaml': 'name: old\nkeep: this content\nsame: lines\n' }, 'seed');
  git('push', '--quiet', 'origin', 'main');
  git('checkout', '--quiet', '-b', 'feature/scale');
  renameSync(join(work, 'clusters/old.yaml'), join(work, 'clusters/renamed.yaml'));
  commit({ 'clusters/alpha.yaml': 'name: alpha\nnodes: 3\n', 'clusters/beta.yaml': 'name: beta\n' }, 'scale alpha, add beta');
  git('push', '--quiet', 'origin', 'feature/scale');
  return { dir, bare, work, git, commit };
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

let fx: Fixture;
let emu: GitHubEmulator;
let gh: Octokit;
beforeEach(async () => {
  fx = createFixture();
  emu = await startGitHubEmulator({ token: TOKEN, repos: { [REPO]: { bareRepoPath: fx.bare } } });
  gh = new Octokit({ auth: TOKEN, baseUrl: emu.url });
});
afterEach(async () => {
  await emu.close();
  rmSync(fx.dir, { recursive: true, force: true });
});

const bareSha = (ref: string) => execFileSync('git', ['rev-parse', ref], { cwd: fx.bare, encoding: 'utf8' }).trim();
const status = (p: Promise<unknown>) => p.then(() => 200, (e: unknown) => (e instanceof RequestError ? e.status : -1));

describe('github emulator: pull requests', { timeout: 30_000 }, () => {
  it('lists and gets an opened PR with the branch sha read from the bare repo', async () => {
    const { number, headSha } = await emu.openPullRequest({ repo: REPO, head: 'feature/scale', base: 'main', title: 'Scale alpha' });
    expect(headSha).toBe(bareSha('refs/heads/feature/scale'));

    const list = await gh.rest.pulls.list({ owner, repo, state: 'open' });
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({
      number,
      state: 'open',
      title: 'Scale alpha',
      head: { ref: 'feature/scale', sha: headSha },
      base: { ref: 'main', sha: bareSha('refs/heads/main') },
      merged_at: null,
      html_url: `https://github.com/${REPO}/pull/${number}`,
      user: { login: 'developer' },
    });
    expect((await gh.rest.pulls.list({ owner, repo, state: 'closed' })).data).toEqual([]);

    const one = await gh.rest.pulls.get({ owner, repo, pull_number: number });
    expect(one.data).toMatchObject({ number, merged: false, merge_commit_sha: null });
    expect(await status(gh.rest.pulls.get({ owner, repo, pull_number: 99 }))).toBe(404);
  });

  it('lists the changed files with GitHub statuses, including a rename', async () => {
    const { number } = await emu.openPullRequest({ repo: REPO, head: 'feature/scale', title: 'Scale alpha' });
    const files = await gh.rest.pulls.listFiles({ owner, repo, pull_number: number });
    const byName = Object.fromEntries(files.data.map((f) => [f.filename, f]));
    expect(Object.keys(byName).sort()).toEqual(['clusters/alpha.yaml', 'clusters/beta.yaml', 'clusters/renamed.yaml']);
    expect(byName['clusters/alpha.yaml']).toMatchObject({ status: 'modified', additions: 1, deletions: 1 });
    expect(byName['clusters/beta.yaml']).toMatchObject({ status: 'added', additions: 1 });
    expect(byName['clusters/renamed.yaml']).toMatchObject({ status: 'renamed', previous_filename: 'clusters/old.yaml' });
  });

  it('refreshes the head sha after a push', async () => {
    const { number, headSha } = await emu.openPullRequest({ repo: REPO, head: 'feature/scale', title: 'Scale alpha' });
    const pushed = fx.commit({ 'clusters/gone.yaml': 'x\n' }, 'more');
    fx.git('push', '--quiet', 'origin', 'feature/scale');
    expect(pushed).not.toBe(headSha);
    expect((await emu.updatePullRequest(REPO, number)).headSha).toBe(pushed);
    expect((await gh.rest.pulls.get({ owner, repo, pull_number: number })).data.head.sha).toBe(pushed);
  });

  it('merges into main in the bare repo and reports the PR merged', async () => {
    const { number, headSha } = await emu.openPullRequest({ repo: REPO, head: 'feature/scale', title: 'Scale alpha' });
    const { mergeCommitSha } = await emu.mergePullRequest(REPO, number);

    expect(bareSha('refs/heads/main')).toBe(mergeCommitSha);
    const show = (path: string) => execFileSync('git', ['show', `main:${path}`], { cwd: fx.bare, encoding: 'utf8' });
    expect(show('clusters/alpha.yaml')).toBe('name: alpha\nnodes: 3\n');
    expect(show('clusters/beta.yaml')).toBe('name: beta\n');
    expect(execFileSync('git', ['merge-base', '--is-ancestor', headSha, 'main'], { cwd: fx.bare }).length).toBe(0);

    const pr = (await gh.rest.pulls.get({ owner, repo, pull_number: number })).data;
    expect(pr).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: mergeCommitSha });
    expect(pr.merged_at).not.toBeNull();
    expect((await gh.rest.pulls.list({ owner, repo })).data).toEqual([]);
    // Files still describe the PR's change after base has moved past it.
    expect((await gh.rest.pulls.listFiles({ owner, repo, pull_number: number })).data).toHaveLength(3);
    await expect(emu.mergePullRequest(REPO, number)).rejects.toThrow(/not open/);
  });
});

describe('github emulator: statuses and comments', { timeout: 30_000 }, () => {
  it('creates statuses and lists them newest first, with the combined state', async () => {
    const { headSha } = await emu.openPullRequest({ repo: REPO, head: 'feature/scale', title: 'Scale alpha' });
    const created = await gh.rest.repos.createCommitStatus({ owner, repo, sha: headSha, state: 'pending', context: 'clusterops/plan', description: 'planning' });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ state: 'pending', context: 'clusterops/plan', description: 'planning' });
    expect(typeof created.data.id).toBe('number');
    expect(created.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await gh.rest.repos.createCommitStatus({ owner, repo, sha: headSha, state: 'success', context: 'clusterops/plan', target_url: 'https://x.test/p' });
    await gh.rest.repos.createCommitStatus({ owner, repo, sha: headSha, state: 'failure', context: 'clusterops/lint' });

    const listed = await gh.rest.repos.listCommitStatusesForRef({ owner, repo, ref: 'feature/scale' });
    expect(listed.data.map((s) => [s.context, s.state])).toEqual([
      ['clusterops/lint', 'failure'],
      ['clusterops/plan', 'success'],
      ['clusterops/plan', 'pending'],
    ]);
    const combined = await gh.rest.repos.getCombinedStatusForRef({ owner, repo, ref: headSha });
    expect(combined.data).toMatchObject({ state: 'failure', sha: headSha, total_count: 2 });
    expect(emu.statuses(REPO, headSha).map((s) => s.state)).toEqual(['failure', 'success', 'pending']);

    expect(await status(gh.rest.repos.createCommitStatus({ owner, repo, sha: headSha, state: 'bogus' as 'error' }))).toBe(422);
    expect(await status(gh.rest.repos.createCommitStatus({ owner, repo, sha: 'f'.repeat(40), state: 'success' }))).toBe(422);
  });

  it('creates, lists and edits issue comments on a PR', async () => {
    const { number } = await emu.openPullRequest({ repo: REPO, head: 'feature/scale', title: 'Scale alpha' });
    const created = await gh.rest.issues.createComment({ owner, repo, issue_number: number, body: '<!-- clusterops -->\nplan: 1 change' });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ body: '<!-- clusterops -->\nplan: 1 change', user: { login: 'clusterops-bot' } });
    expect(created.data.html_url).toBe(`https://github.com/${REPO}/pull/${number}#issuecomment-${created.data.id}`);

    const updated = await gh.rest.issues.updateComment({ owner, repo, comment_id: created.data.id, body: '<!-- clusterops -->\nplan: 2 changes' });
    expect(updated.data.id).toBe(created.data.id);

    const listed = await gh.rest.issues.listComments({ owner, repo, issue_number: number });
    expect(listed.data.map((c) => c.body)).toEqual(['<!-- clusterops -->\nplan: 2 changes']);
    expect(emu.comments(REPO, number)).toHaveLength(1);
    expect(await status(gh.rest.issues.createComment({ owner, repo, issue_number: 42, body: 'x' }))).toBe(404);
  });
});

describe('github emulator: the front door', { timeout: 30_000 }, () => {
  it('answers a matching If-None-Match with 304 that spends no rate limit', async () => {
    const { number } = await emu.openPullRequest({ repo: REPO, head: 'feature/scale', title: 'Scale alpha' });
    const first = await gh.rest.issues.listComments({ owner, repo, issue_number: number });
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^W\/".+"$/);
    const remaining = Number(first.headers['x-ratelimit-remaining']);

    const err = await gh.rest.issues.listComments({ owner, repo, issue_number: number, headers: { 'if-none-match': etag } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).status).toBe(304);
    expect(Number((err as RequestError).response?.headers['x-ratelimit-remaining'])).toBe(remaining);

    await gh.rest.issues.createComment({ owner, repo, issue_number: number, body: 'changed' });
    const changed = await gh.rest.issues.listComments({ owner, repo, issue_number: number, headers: { 'if-none-match': etag } });
    expect(changed.data).toHaveLength(1);
    expect(changed.headers.etag).not.toBe(etag);
    expect(emu.calls['issues.listComments']).toBe(3);
  });

  it('carries GitHub rate-limit headers and serves GET /rate_limit', async () => {
    const res = await gh.request('GET /rate_limit');
    expect(res.data.resources.core).toMatchObject({ limit: 5000 });
    expect(res.headers).toMatchObject({ 'x-ratelimit-limit': '5000', 'x-ratelimit-resource': 'core' });
    for (const h of ['x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-used', 'x-github-request-id']) expect(res.headers[h]).toBeDefined();
  });

  it('rejects bad credentials and unknown routes as GitHub does', async () => {
    const bad = await fetch(`${emu.url}/repos/${REPO}/pulls`, { headers: { authorization: 'token nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials', documentation_url: expect.any(String) });
    const bearer = await fetch(`${emu.url}/repos/${REPO}/pulls`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    const unknown = await fetch(`${emu.url}/repos/${REPO}/hooks`, { headers: { authorization: `token ${TOKEN}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ message: 'Not Found' });
    expect(await status(gh.rest.pulls.list({ owner, repo: 'other' }))).toBe(404);
  });
});

describe('github emulator: webhooks', { timeout: 30_000 }, () => {
  it('delivers signed pull_request events for open, synchronize and merge', async () => {
    const receiver = await startReceiver();
    const secret = 'hook-secret';
    const hooked = await startGitHubEmulator({ token: TOKEN, repos: { [REPO]: { bareRepoPath: fx.bare } }, webhook: { url: receiver.url, secret } });
    try {
      const { number } = await hooked.openPullRequest({ repo: REPO, head: 'feature/scale', title: 'Scale alpha' });
      fx.commit({ 'clusters/gamma.yaml': 'name: gamma\n' }, 'add gamma');
      fx.git('push', '--quiet', 'origin', 'feature/scale');
      await hooked.updatePullRequest(REPO, number);
      await hooked.mergePullRequest(REPO, number);

      expect(receiver.received).toHaveLength(3);
      for (const r of receiver.received) {
        expect(r.headers['x-github-event']).toBe('pull_request');
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
        expect(r.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
      }
      const payloads = receiver.received.map((r) => JSON.parse(r.body) as { action: string; number: number; pull_request: Record<string, unknown>; repository: Record<string, unknown> });
      expect(payloads.map((p) => p.action)).toEqual(['opened', 'synchronize', 'closed']);
      expect(payloads[0]!.repository).toMatchObject({ full_name: REPO, name: repo, owner: { login: owner } });
      expect(payloads[1]!.pull_request).toMatchObject({ number, head: { ref: 'feature/scale', sha: bareSha('refs/heads/feature/scale') } });
      expect(payloads[2]!.pull_request).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: bareSha('refs/heads/main') });
      expect(hooked.deliveries.map((d) => d.status)).toEqual([204, 204, 204]);
    } finally {
      await hooked.close();
      await new Promise((resolve) => receiver.server.close(resolve));
    }
  });
});
