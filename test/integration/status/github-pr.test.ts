import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoEntry } from '../../../src/domain/manifest/repository.js';
import { createLogger } from '../../../src/logger.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../../src/sim/github/index.js';
import { createGitHubClient, type GitHubClient } from '../../../src/status/github/client.js';
import { createPullRequestHandler, type PullRequestHandler } from '../../../src/status/github/pr-handler.js';
import { PLAN_MARKER, RESULT_MARKER } from '../../../src/status/github/pr-report.js';
import { openStore } from '../../../src/store/store.js';

const REPO = 'acme/infra';
const TOKEN = 'ghp_test_token_0123456789';
const IDENTITY = ['-c', 'user.name=Dana Developer', '-c', 'user.email=dana@example.test', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];
const GIT_ENV = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_'))), GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const manifest = (workers: number, plan = 'small') => `apiVersion: clusterops/v1
id: cluster_web123
organizationId: org_abc123
name: web
provider: digitalocean
region: sfo3
orchestrator: swarm
nodes:
  - role: manager
    plan: small
    count: 1
  - role: worker
    plan: ${plan}
    count: ${workers}
`;

let root: string;
let bare: string;
let work: string;
let emulator: GitHubEmulator;
let github: GitHubClient;
let handler: PullRequestHandler;

/** Commits `files` (null deletes) on top of `from` and pushes the result to `branch`. */
function pushBranch(branch: string, files: Record<string, string | null>, message: string, from = `origin/${branch}`): string {
  git(work, 'fetch', '--quiet', 'origin');
  git(work, 'checkout', '--quiet', '--detach', from);
  for (const [path, content] of Object.entries(files)) {
    const full = join(work, path);
    if (content === null) rmSync(full);
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', message);
  git(work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
  return git(work, 'rev-parse', 'HEAD').trim();
}

function newBranch(branch: string, files: Record<string, string | null>, message: string): string {
  return pushBranch(branch, files, message, 'origin/main');
}

/** The caller's side of the contract: `clusters/` at a commit, read from the bare repo. */
async function readFilesAt(sha: string): Promise<RepoEntry[]> {
  const paths = git(bare, 'ls-tree', '-r', '--name-only', sha, '--', 'clusters/').split('\n').filter(Boolean);
  return paths.map((path) => ({ path, kind: 'file', content: git(bare, 'show', `${sha}:${path}`) }));
}

const markerComments = (n: number, marker: string) => emulator.comments(REPO, n).filter((c) => c.body.includes(marker));
const status = (sha: string, context: string) => emulator.statuses(REPO, sha).find((s) => s.context === context);
const writeCalls = () => (emulator.calls['repos.createCommitStatus'] ?? 0) + (emulator.calls['issues.createComment'] ?? 0) + (emulator.calls['issues.updateComment'] ?? 0);

/** Runs `ensurePullRequest` and prints how many API calls the event cost. */
async function ensure(n: number, event: string) {
  const before = github.calls();
  const outcome = await handler.ensurePullRequest(n);
  const after = github.calls();
  console.log(
    `[github-pr] PR #${n} ${event}: ${after.total - before.total} API calls ` +
      `(${after.reads - before.reads} reads, ${after.notModified - before.notModified} of them 304, ${after.writes - before.writes} writes)`,
  );
  return outcome;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'clusterops-gh-pr-'));
  bare = join(root, 'infra.git');
  work = join(root, 'work');
  git(root, 'init', '--quiet', '--bare', '-b', 'main', bare);
  git(root, 'clone', '--quiet', bare, work);
  writeFileSync(join(work, 'README.md'), '# infra\n');
  mkdirSync(join(work, 'clusters'));
  writeFileSync(join(work, 'clusters/web.yaml'), manifest(1));
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'web cluster');
  git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  emulator = await startGitHubEmulator({ token: TOKEN, repos: { [REPO]: { bareRepoPath: bare } } });
  github = createGitHubClient({ token: TOKEN, baseUrl: emulator.url, owner: 'acme', repo: 'infra' });
  const store = await openStore(join(root, 'store.json'));
  // Live state: web runs its one manager and one worker.
  await store.update((d) => {
    d.clusters.cluster_web123 = {
      id: 'cluster_web123', name: 'web', organizationId: 'org_abc123', provider: 'digitalocean', region: 'sfo3', orchestrator: 'swarm',
      createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', lastNodeNumber: 2, initialized: true, intents: [], events: [],
      status: {
        status: 'running', conditions: [], observedRevision: 'abc', lastError: null, desiredNodes: 2,
        nodes: [
          { id: 'node_001', role: 'manager', plan: 'small', ip: '10.0.0.1', status: 'running' },
          { id: 'node_002', role: 'worker', plan: 'small', ip: '10.0.0.2', status: 'running' },
        ],
      },
    };
  });
  handler = createPullRequestHandler({ github, readFilesAt, store, log: createLogger({ level: 'silent' }) });
});

afterAll(async () => {
  await emulator?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('pull request status on GitHub (real octokit against the emulator)', () => {
  it('(a) an invalid manifest fails clusterops/validate with the file:line:col error', async () => {
    newBranch('broken', { 'clusters/web.yaml': manifest(1).replace('count: 1\n', 'count: -2\n') }, 'break web');
    const pr = await emulator.openPullRequest({ repo: REPO, head: 'broken', title: 'break web' });
    const outcome = await ensure(pr.number, 'opened (invalid)');

    const validate = status(pr.headSha, 'clusterops/validate');
    expect(validate?.state).toBe('failure');
    expect(validate?.description).toMatch(/^clusters\/web\.yaml:11:\d+: /);
    expect(validate!.description!.length).toBeLessThanOrEqual(140);
    expect(status(pr.headSha, 'clusterops/plan')?.state).toBe('failure');
    const [comment, ...more] = markerComments(pr.number, PLAN_MARKER);
    expect(more).toHaveLength(0);
    expect(comment?.body).toContain('Validation failed');
    expect(comment?.body).toMatch(/clusters\/web\.yaml:11:\d+: /);
    expect(outcome.skipped).toBe(false);
  });

  let scaleUp: { number: number; headSha: string };

  it('(b) a valid scale-up gets both statuses green, the summary and a plan comment', async () => {
    newBranch('scale-web', { 'clusters/web.yaml': manifest(3) }, 'scale web to 3 workers');
    scaleUp = await emulator.openPullRequest({ repo: REPO, head: 'scale-web', title: 'scale web' });
    await ensure(scaleUp.number, 'opened');

    expect(status(scaleUp.headSha, 'clusterops/validate')?.state).toBe('success');
    const plan = status(scaleUp.headSha, 'clusterops/plan');
    expect(plan?.state).toBe('success');
    expect(plan?.description).toMatch(/^web: \+2 nodes, \+\$\d+\.\d{2}\/mo$/);
    const comments = markerComments(scaleUp.number, PLAN_MARKER);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body).toContain('### Cluster `web`');
    // Planned against the live state: ids continue after node_002.
    expect(body).toContain('`node_003`');
    expect(body).toContain('`node_004`');
    expect(body).not.toContain('`node_001`');
    expect(body).toMatch(/Monthly cost: .* \(\+\$\d+\.\d{2}\/mo, USD\)/);
  });

  it('(c) a second push edits the same comment in place', async () => {
    const [first] = markerComments(scaleUp.number, PLAN_MARKER);
    pushBranch('scale-web', { 'clusters/web.yaml': manifest(4) }, 'make it 4 workers');
    const { headSha } = await emulator.updatePullRequest(REPO, scaleUp.number);
    expect(headSha).not.toBe(scaleUp.headSha);
    const outcome = await ensure(scaleUp.number, 'synchronize');

    const comments = markerComments(scaleUp.number, PLAN_MARKER);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(first!.id);
    expect(comments[0]!.body).toContain('`node_005`');
    expect(comments[0]!.body).not.toBe(first!.body);
    expect(outcome).toMatchObject({ skipped: false, comment: 'updated' });
    expect(status(headSha, 'clusterops/plan')?.description).toMatch(/^web: \+3 nodes, /);
    scaleUp = { number: scaleUp.number, headSha };
  });

  it('(d) a pull request that touches no manifest gets no status and no comment', async () => {
    const headSha = newBranch('docs', { 'README.md': '# infra\n\nDocs only.\n' }, 'docs');
    const pr = await emulator.openPullRequest({ repo: REPO, head: 'docs', title: 'docs' });
    const outcome = await ensure(pr.number, 'opened (README only)');

    expect(outcome).toEqual({ skipped: true, reason: 'NoClusterChanges' });
    expect(emulator.statuses(REPO, headSha)).toEqual([]);
    expect(emulator.comments(REPO, pr.number)).toEqual([]);
  });

  it('(e) re-running with nothing changed makes no write and is served by 304s', async () => {
    const writesBefore = writeCalls();
    const statusesBefore = emulator.statuses(REPO, scaleUp.headSha).length;
    const before = github.calls();
    const outcome = await ensure(scaleUp.number, 're-run, nothing changed');
    const after = github.calls();

    expect(writeCalls()).toBe(writesBefore);
    expect(after.writes - before.writes).toBe(0);
    expect(after.notModified - before.notModified).toBeGreaterThan(0);
    expect(emulator.statuses(REPO, scaleUp.headSha)).toHaveLength(statusesBefore);
    expect(outcome).toMatchObject({ comment: 'unchanged', validate: { written: false }, plan: { written: false } });
  });

  it('a removed manifest is planned as the deletion of the cluster, with a warning', async () => {
    newBranch('drop-web', { 'clusters/web.yaml': null }, 'drop web');
    const pr = await emulator.openPullRequest({ repo: REPO, head: 'drop-web', title: 'drop web' });
    await ensure(pr.number, 'opened (deletion)');

    const body = markerComments(pr.number, PLAN_MARKER)[0]?.body ?? '';
    expect(body).toContain('delete cluster');
    expect(body).toContain('[!WARNING]');
    expect(body).toMatch(/⚠️ \*\*Destructive:\*\*.*cluster `web` deleted/);
    expect(status(pr.headSha, 'clusterops/plan')?.description).toMatch(/^web: .*cluster deleted/);
  });

  it('(f) the merged pull request gets exactly one result comment', async () => {
    await emulator.mergePullRequest(REPO, scaleUp.number);
    const result = { converged: true, summary: 'web: +3 nodes, 5 running', durationMs: 83_000 };
    const first = await handler.ensureMergedResult(scaleUp.number, result);
    const writes = writeCalls();
    const second = await handler.ensureMergedResult(scaleUp.number, result);

    expect([first, second]).toEqual(['created', 'unchanged']);
    expect(writeCalls()).toBe(writes);
    const results = markerComments(scaleUp.number, RESULT_MARKER);
    expect(results).toHaveLength(1);
    expect(results[0]!.body).toContain('converged in 1m 23s');
    expect(markerComments(scaleUp.number, PLAN_MARKER)).toHaveLength(1);
    // An open (unmerged) pull request gets no result comment.
    const docs = (await github.openPulls()).find((p) => !p.merged)!;
    expect(await handler.ensureMergedResult(docs.number, result)).toBeNull();
    expect(markerComments(docs.number, RESULT_MARKER)).toHaveLength(0);
  });
});

describe('destructive edits in a pull request (base and head compared by id)', () => {
  const plan = (sha: string) => status(sha, 'clusterops/plan');
  const body = (n: number) => markerComments(n, PLAN_MARKER)[0]!.body;

  it('a removed id: line shows that the id is restored, not "No changes" alone and not a new cluster', async () => {
    newBranch('drop-id', { 'clusters/web.yaml': manifest(1).replace('id: cluster_web123\n', '') }, 'drop the id line');
    const pr = await emulator.openPullRequest({ repo: REPO, head: 'drop-id', title: 'drop the id' });
    await ensure(pr.number, 'opened (id removed)');

    expect(plan(pr.headSha)).toMatchObject({ state: 'success', description: 'web: id cluster_web123 restored; no changes' });
    expect(body(pr.number)).toContain('`id:` was removed: on merge clusterops commits `id: cluster_web123` back');
    expect(body(pr.number)).not.toContain('| create |');
  });

  it('another id under the same name is shown as replacing the cluster: its nodes deleted, new ones created', async () => {
    newBranch('new-id', { 'clusters/web.yaml': manifest(1).replace('cluster_web123', 'cluster_other9') }, 'another id');
    const pr = await emulator.openPullRequest({ repo: REPO, head: 'new-id', title: 'another id' });
    await ensure(pr.number, 'opened (id replaced)');

    const note = 'web replaces cluster cluster_web123 with new cluster cluster_other9: deletes 2 VMs (node_002, node_001), creates 2';
    expect(plan(pr.headSha)!.description).toMatch(/^destructive: web replaces cluster cluster_web123 with new cluster cluster_other9/);
    expect(body(pr.number)).toContain(note);
    expect(body(pr.number)).toContain('> [!CAUTION]');
  });

  it.each([
    { layout: 'a sub-folder', to: 'clusters/eu/web.yaml' },
    { layout: '.yml', to: 'clusters/web.yml' },
    { layout: 'an upper-case name', to: 'clusters/Web.yaml' },
    { layout: 'a dotfile', to: 'clusters/.web.yaml' },
  ])('moving the manifest into $layout fails clusterops/plan and plans no deletion', async ({ layout, to }) => {
    const branch = `move-${layout.replace(/\W+/g, '-')}`;
    newBranch(branch, { 'clusters/web.yaml': null, [to]: manifest(1) }, `move web to ${to}`);
    const pr = await emulator.openPullRequest({ repo: REPO, head: branch, title: `move web to ${to}` });
    await ensure(pr.number, `opened (${layout})`);

    expect(status(pr.headSha, 'clusterops/validate')?.state).toBe('failure');
    expect(plan(pr.headSha)?.state).toBe('failure');
    expect(body(pr.number)).toContain(to);
    expect(body(pr.number)).toContain('clusterops deletes no cluster');
    expect(body(pr.number)).not.toContain('delete cluster');
  });

  it.each([
    { field: 'provider', edit: (t: string) => t.replace('provider: digitalocean', 'provider: hetzner').replace('region: sfo3', 'region: fsn1'), message: 'provider changed from digitalocean to hetzner' },
    { field: 'orchestrator', edit: (t: string) => t.replace('orchestrator: swarm', 'orchestrator: kubernetes'), message: 'orchestrator changed from swarm to kubernetes' },
    { field: 'organizationId', edit: (t: string) => t.replace('organizationId: org_abc123', 'organizationId: org_other'), message: 'organizationId changed from org_abc123 to org_other' },
  ])('changing $field fails clusterops/plan with the reason; the plan stays with the cluster’s organization', async ({ field, edit, message }) => {
    newBranch(`change-${field}`, { 'clusters/web.yaml': edit(manifest(2)) }, `change ${field}`);
    const pr = await emulator.openPullRequest({ repo: REPO, head: `change-${field}`, title: `change ${field}` });
    await ensure(pr.number, `opened (${field} changed)`);

    expect(status(pr.headSha, 'clusterops/validate')?.state).toBe('success');
    expect(plan(pr.headSha)).toMatchObject({ state: 'failure', description: 'web: refused: ImmutableFieldChanged' });
    expect(body(pr.number)).toContain(message);
    expect(body(pr.number)).not.toContain('| create |');
    expect(handler.openPlans().find((p) => p.number === pr.number)!.clusters.map((c) => c.organizationId)).toEqual(['org_abc123']);
  });
});
