import { systemClock, type Clock } from '../common/clock.js';
import { FaultInjector } from '../common/faults.js';
import { serveEmulator } from '../common/http.js';
import { mergeInto, resolveCommit } from './git.js';
import { createGitHubHandler } from './handler.js';
import { RateWindow } from './rate-limit.js';
import * as render from './render.js';
import { createRoutes, type RepoPermissions } from './routes.js';
import { GitHubStore, type PullRecord, type StatusState } from './store.js';
import { deliver, type Delivery, type WebhookConfig } from './webhook.js';

export interface GitHubEmulatorOptions {
  /** The one accepted credential, sent as `Authorization: token <t>` or `Bearer <t>`. */
  token: string;
  /** `owner/name` → the bare repository that backs it. */
  repos: Record<string, { bareRepoPath: string }>;
  port?: number;
  /** When set, `pull_request` events are POSTed here, signed with `secret`. */
  webhook?: WebhookConfig;
  /** The token's user: author of comments and creator of statuses (default `clusterops-bot`). */
  login?: string;
  clock?: Clock;
  faults?: FaultInjector;
  /** The token's classic scopes (`X-OAuth-Scopes`), default `repo`; null for a fine-grained token. */
  scopes?: string[] | null;
}

/** A comment as the test world sees it. */
export interface CommentView {
  id: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

/** A commit status as the test world sees it, newest first. */
export interface StatusView {
  id: number;
  state: StatusState;
  context: string;
  description: string | null;
  targetUrl: string | null;
}

/**
 * A running GitHub REST emulator. The open/update/merge methods change the world as a developer
 * on github.com would, and resolve once the webhook delivery (if any) has been attempted.
 * They throw on unknown repos, branches or pull requests; a merge that fails leaves everything
 * unchanged.
 */
export interface GitHubEmulator {
  /** Base URL for octokit's `baseUrl` (no trailing slash). */
  url: string;
  faults: FaultInjector;
  /** Authenticated API requests per operation (`pulls.list`, `issues.createComment` …), 304s included. */
  readonly calls: Readonly<Record<string, number>>;
  /** Webhook delivery attempts, oldest first. */
  readonly deliveries: readonly Delivery[];
  /** The token's classic scopes, or null for a fine-grained token; change it to stage another token. */
  scopes: string[] | null;
  /** The token user's role in every repository. */
  permissions: RepoPermissions;
  openPullRequest(input: { repo: string; head: string; base?: string; title: string; author?: string }): Promise<{ number: number; headSha: string }>;
  /** Re-reads the head branch's sha after a push; emits `synchronize` when it moved. */
  updatePullRequest(repo: string, number: number): Promise<{ headSha: string }>;
  /** Merges head into base in the bare repo (a merge commit), closes the PR, emits `closed`. */
  mergePullRequest(repo: string, number: number): Promise<{ mergeCommitSha: string }>;
  comments(repo: string, number: number): CommentView[];
  statuses(repo: string, sha: string): StatusView[];
  close(): Promise<void>;
}

/**
 * Starts an emulator of the GitHub REST API routes clusterops uses, over real bare git repos.
 * Operation names for faults and counts are octokit's: `pulls.list`, `pulls.get`,
 * `pulls.listFiles`, `repos.createCommitStatus`, `repos.listCommitStatusesForRef`,
 * `repos.getCombinedStatusForRef`, `issues.listComments`, `issues.createComment`,
 * `issues.updateComment`, `rateLimit.get`, `users.getAuthenticated`, `repos.get`.
 */
export async function startGitHubEmulator(options: GitHubEmulatorOptions): Promise<GitHubEmulator> {
  const clock = options.clock ?? systemClock;
  const faults = options.faults ?? new FaultInjector();
  const store = new GitHubStore(clock);
  const repos = new Map(Object.entries(options.repos).map(([k, v]) => [k, v.bareRepoPath]));
  const calls: Record<string, number> = {};
  const deliveries: Delivery[] = [];
  let url = '';
  const login = options.login ?? 'clusterops-bot';
  const account = { scopes: options.scopes === undefined ? ['repo'] : options.scopes, permissions: { admin: false, maintain: false, push: true, triage: true, pull: true } };
  const handler = createGitHubHandler({
    token: options.token,
    login,
    scopes: () => emulator.scopes,
    repos,
    routes: createRoutes({ store, api: () => url, login, permissions: () => emulator.permissions }),
    core: new RateWindow(clock, 5000),
    anonymous: new RateWindow(clock, 60),
    calls,
    state: () => store.snapshot(),
  });
  const server = await serveEmulator(handler, faults, { port: options.port ?? 0 });
  url = server.url;

  const bare = (repo: string): string => {
    const path = repos.get(repo);
    if (path === undefined) throw new Error(`github emulator: unknown repo ${repo}`);
    return path;
  };
  const branchSha = async (repo: string, branch: string): Promise<string> => {
    const sha = await resolveCommit(bare(repo), `refs/heads/${branch}`);
    if (sha === undefined) throw new Error(`github emulator: ${repo} has no branch ${branch}`);
    return sha;
  };
  const pullOf = (repo: string, number: number): PullRecord => {
    const pull = store.pull(repo, number);
    if (!pull) throw new Error(`github emulator: ${repo} has no pull request #${number}`);
    return pull;
  };
  const emit = async (action: string, pull: PullRecord): Promise<void> => {
    if (!options.webhook) return;
    const baseSha = pull.baseShaAtMerge ?? (await branchSha(pull.repo, pull.base.ref));
    const detail = render.pull(url, pull, baseSha, true);
    const repository = render.repository(url, pull.repo);
    deliveries.push(await deliver(options.webhook, 'pull_request', { action, number: pull.number, pull_request: detail, repository, sender: detail.user }));
  };

  const emulator: GitHubEmulator = {
    url,
    faults,
    calls,
    deliveries,
    ...account,
    async openPullRequest({ repo, head, base = 'main', title, author = 'developer' }) {
      const headSha = await branchSha(repo, head);
      await branchSha(repo, base);
      const pull = store.addPull({ repo, title, author, head: { ref: head, sha: headSha }, base: { ref: base } });
      await emit('opened', pull);
      return { number: pull.number, headSha };
    },
    async updatePullRequest(repo, number) {
      const pull = pullOf(repo, number);
      const headSha = await branchSha(repo, pull.head.ref);
      if (pull.state === 'open' && headSha !== pull.head.sha) {
        pull.head.sha = headSha;
        store.touch(pull);
        await emit('synchronize', pull);
      }
      return { headSha: pull.head.sha };
    },
    async mergePullRequest(repo, number) {
      const pull = pullOf(repo, number);
      if (pull.state !== 'open') throw new Error(`github emulator: ${repo}#${number} is not open`);
      const baseBefore = await branchSha(repo, pull.base.ref);
      const owner = repo.split('/')[0]!;
      const sha = await mergeInto(bare(repo), pull.base.ref, pull.head.ref, `Merge pull request #${number} from ${owner}/${pull.head.ref}\n\n${pull.title}`);
      const now = clock.now();
      Object.assign(pull, { state: 'closed', closedAt: now, mergedAt: now, updatedAt: now, mergeCommitSha: sha, baseShaAtMerge: baseBefore });
      await emit('closed', pull);
      return { mergeCommitSha: sha };
    },
    comments: (repo, number) =>
      store.commentsOf(repo, number).map((c) => ({ id: c.id, body: c.body, user: c.author, createdAt: render.iso(c.createdAt), updatedAt: render.iso(c.updatedAt) })),
    statuses: (repo, sha) =>
      store.statusesOf(repo, sha).map((s) => ({ id: s.id, state: s.state, context: s.context, description: s.description, targetUrl: s.targetUrl })),
    close: () => server.close(),
  };
  return emulator;
}
