import { setTimeout as delay } from 'node:timers/promises';
import { simpleGit } from 'simple-git';
import { ensureClone } from './git-clone.js';
import { commitWithRetry, type CommitDeps, type CommitRequest, type CommitResult, type EditOutcome, type FileReader } from './git-commit.js';
import { createRedactor, GitSourceError, type Redactor } from './git-errors.js';
import { assertBranchName, assertIdentity } from './git-inputs.js';
import { readSnapshotAt } from './git-objects.js';
import { resetWorkTree, syncBranchIfMoved } from './git-remote.js';
import { createGitRunner, type GitRunner, type SimpleGitFactory } from './git-runner.js';
import { createMutex } from './mutex.js';
import { silentLogger, type GitIdentity, type Snapshot, type SourceLogger } from './types.js';

export type { CommitResult, EditOutcome, FileReader } from './git-commit.js';
export type { SimpleGitFactory } from './git-runner.js';

export interface GitSourceOptions {
  /** Anything `git clone` understands: local path, bare repo, https, ssh. May embed credentials (never logged). */
  url: string;
  branch: string;
  /** This source's own clone. Must be absent, empty, or a clone of `url`; one source per workDir. */
  workDir: string;
  /** Committer of every commit this source makes. Default `clusterops <clusterops@localhost>`. */
  author?: GitIdentity;
  /** Extra variables for git (GIT_SSH_COMMAND, GIT_ASKPASS, GIT_CONFIG_*). Values are redacted from errors. */
  env?: Record<string, string>;
  logger?: SourceLogger;
  /** Kills a git command silent for this long. Default 60 s (Flux's default timeout). */
  timeoutMs?: number;
  simpleGit?: SimpleGitFactory;
  /** Inherited environment (PATH, HOME); GIT_* variables in it are dropped. Default process.env. */
  baseEnv?: NodeJS.ProcessEnv;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** One write to the repository; see `GitSource.commit`. */
export interface CommitChange {
  message: string;
  author: GitIdentity;
  /** Called with a reader of the target branch's latest head; called again after every lost race. */
  edit: (read: FileReader) => Promise<EditOutcome>;
  /** Default: the tracked branch. Another branch (e.g. for status) is created as an orphan when missing. */
  branch?: string;
  /** Default 5. */
  maxAttempts?: number;
}

/**
 * A tracked branch of a remote Git repository, through its own clone. All operations of one
 * instance run one at a time. Failures are `GitSourceError`s with a `reason`.
 */
export interface GitSource {
  readonly branch: string;
  /**
   * Clones (or reuses the clone in workDir) and checks out the branch. Throws `EmptyRemote`
   * or `BranchNotFound` while the branch does not exist; safe to call again later.
   */
  open(): Promise<void>;
  /**
   * One `ls-remote`; only when the branch moved since the last snapshot: fetch, hard-reset
   * the working tree, and return the new snapshot. Null when unchanged. The first poll after
   * `open()` always returns a snapshot.
   */
  poll(): Promise<Snapshot | null>;
  /**
   * The one way to write: runs `edit` on the branch's latest head, commits what it returns
   * (author = change.author, committer = the source's author) and pushes without force. On a
   * lost race it re-runs `edit` on the new head (bounded, jittered backoff), so concurrent
   * writers never lose an update. Refused and no-op edits commit nothing. Throws
   * `InvalidPath` for a path outside the repo and `PushRejected` when every attempt lost.
   */
  commit(change: CommitChange): Promise<CommitResult>;
  /** The snapshot the last `poll()` returned, if any. */
  lastSnapshot(): Snapshot | null;
}

const DEFAULT_COMMITTER: GitIdentity = { name: 'clusterops', email: 'clusterops@localhost' };

/** Everything one source instance needs, resolved once from its options. */
interface SourceContext {
  branch: string;
  committer: GitIdentity;
  git: GitRunner;
  redact: Redactor;
  displayUrl: string;
  logger: SourceLogger;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export function createGitSource(options: GitSourceOptions): GitSource {
  const ctx = createContext(options);
  const mutex = createMutex();
  let gitDir: string | null = null;
  let last: Snapshot | null = null;
  const requireOpen = (): string => {
    if (gitDir === null) throw new GitSourceError('NotOpen', 'call open() before poll() or commit()');
    return gitDir;
  };
  return {
    branch: ctx.branch,
    open: () =>
      mutex.run(async () => {
        gitDir = await openClone(ctx, options.url, options.workDir);
        last = null;
      }),
    poll: () =>
      mutex.run(async () => {
        requireOpen();
        const snapshot = await pollOnce(ctx, last);
        if (snapshot) last = snapshot;
        return snapshot;
      }),
    commit: (change) => mutex.run(() => commitWithRetry(commitDeps(ctx, requireOpen()), commitRequest(ctx, change))),
    lastSnapshot: () => last,
  };
}

function createContext(options: GitSourceOptions): SourceContext {
  const env = options.env ?? {};
  const redact = createRedactor(Object.values(env));
  const git = createGitRunner({
    cwd: options.workDir,
    env,
    baseEnv: options.baseEnv ?? process.env,
    simpleGit: options.simpleGit ?? simpleGit,
    redact,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  return {
    branch: assertBranchName(options.branch),
    committer: assertIdentity(options.author ?? DEFAULT_COMMITTER, 'the source author'),
    git,
    redact,
    displayUrl: redact(options.url),
    logger: options.logger ?? silentLogger(),
    now: options.now ?? (() => new Date()),
    sleep: options.sleep ?? ((ms) => delay(ms)),
    random: options.random ?? Math.random,
  };
}

/** Clones or reuses workDir, checks out the branch; returns the absolute .git directory. */
async function openClone(ctx: SourceContext, url: string, workDir: string): Promise<string> {
  const how = await ensureClone(ctx.git, url, workDir, ctx.redact);
  const head = await syncBranchIfMoved(ctx.git, ctx.branch, null, ctx.displayUrl);
  if (head !== null) await resetWorkTree(ctx.git, ctx.branch, head);
  ctx.logger.info(`${how === 'cloned' ? 'cloned' : 'reusing the clone of'} ${ctx.displayUrl}`, { branch: ctx.branch, workDir, head });
  return (await ctx.git.run(['rev-parse', '--absolute-git-dir'])).trim();
}

async function pollOnce(ctx: SourceContext, last: Snapshot | null): Promise<Snapshot | null> {
  const head = await syncBranchIfMoved(ctx.git, ctx.branch, last?.revision ?? null, ctx.displayUrl);
  if (head === null) return null;
  await resetWorkTree(ctx.git, ctx.branch, head);
  const snapshot = await readSnapshotAt(ctx.git, head);
  ctx.logger.info('new revision', { branch: ctx.branch, revision: snapshot.revision, clustersTreeId: snapshot.clustersTreeId });
  return snapshot;
}

function commitDeps(ctx: SourceContext, gitDir: string): CommitDeps {
  return { git: ctx.git, gitDir, displayUrl: ctx.displayUrl, logger: ctx.logger, now: ctx.now, sleep: ctx.sleep, random: ctx.random };
}

function commitRequest(ctx: SourceContext, change: CommitChange): CommitRequest {
  const branch = assertBranchName(change.branch ?? ctx.branch);
  return {
    message: change.message,
    author: assertIdentity(change.author, 'the commit author'),
    committer: ctx.committer,
    branch,
    mustExist: branch === ctx.branch,
    edit: change.edit,
    maxAttempts: Math.max(1, change.maxAttempts ?? 5),
  };
}
