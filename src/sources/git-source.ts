import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { simpleGit } from 'simple-git';
import { ensureClone } from './git-clone.js';
import { createCommitQueue, type CommitQueue } from './commit-queue.js';
import { commitBatch, type CommitDeps, type CommitResult, type CommitTarget, type PendingCommit } from './git-commit.js';
import type { EditOutcome, FileReader } from './git-commit-build.js';
import { splitCredentials } from './git-credentials.js';
import { createRedactor, GitSourceError, type Redactor } from './git-errors.js';
import { assertBranchName, assertIdentity } from './git-inputs.js';
import { clearStaleLocks } from './git-locks.js';
import { readSnapshotAt, type BlobCache } from './git-objects.js';
import { resetWorkTree, syncBranchIfMoved } from './git-remote.js';
import { createGitRunner, type GitRunner, type SimpleGitFactory } from './git-runner.js';
import { createMutex } from './mutex.js';
import { silentLogger, type GitIdentity, type Snapshot, type SourceLogger } from './types.js';

export type { CommitResult } from './git-commit.js';
export type { EditOutcome, FileReader } from './git-commit-build.js';
export type { SimpleGitFactory } from './git-runner.js';

export interface GitSourceOptions {
  /**
   * Anything `git clone` understands: local path, bare repo, https, ssh. May embed credentials
   * (`https://user:token@host/…`): they are taken out of the URL and handed to git by a
   * credential helper in the environment, so they reach no argv, no `.git/config` and no log.
   */
  url: string;
  branch: string;
  /** This source's own clone. Must be absent, empty, or a clone of `url`; one source per workDir. */
  workDir: string;
  /** Committer of every commit this source makes. Default `clusterops <clusterops@localhost>`. */
  author?: GitIdentity;
  /** Extra variables for git (GIT_SSH_COMMAND, GIT_ASKPASS, GIT_CONFIG_*). Values are redacted from errors. */
  env?: Record<string, string>;
  logger?: SourceLogger;
  /**
   * Remove the lock files (`index.lock`, `HEAD.lock`, `<ref>.lock` under refs/ …) a killed git left in the clone at
   * `open()`. Set it only when nothing else can be running git in workDir: the daemon does, as it
   * holds the data directory's lock for its lifetime. Default false.
   */
  clearStaleLocks?: boolean;
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
  /** Rounds (fetch, edit, push) before giving up with `PushRejected`. Default 5. */
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
   * lost race it re-runs `edit` on the new head (bounded by `maxAttempts`, jittered backoff),
   * so concurrent writers never lose an update; `edit` must therefore be free of side
   * effects. Calls queued while another is running are pushed together in one round, each
   * edit seeing the ones queued before it (one commit each). Refused and no-op edits commit
   * nothing. Rejects with `InvalidPath` for a path outside the repo, with `PushRejected` when
   * every attempt lost, and with whatever `edit` throws (that call only).
   */
  commit(change: CommitChange): Promise<CommitResult>;
  /** The snapshot the last `poll()` returned, if any. */
  lastSnapshot(): Snapshot | null;
  /**
   * The snapshot of any commit, e.g. a pull request's head: read locally if present, else after
   * fetching the remote's branches and pull-request heads into `refs/clusterops/`. Does not touch
   * the working tree or the tracked branch.
   */
  snapshotOf(sha: string): Promise<Snapshot>;
  /** Whether commit `ancestor` is `revision` or one of its ancestors; false when either is not a commit of this clone. */
  contains(revision: string, ancestor: string): Promise<boolean>;
}

const DEFAULT_COMMITTER: GitIdentity = { name: 'clusterops', email: 'clusterops@localhost' };

/** Everything one source instance needs, resolved once from its options. */
interface SourceContext {
  /** The repository URL without credentials. */
  url: string;
  branch: string;
  committer: GitIdentity;
  git: GitRunner;
  redact: Redactor;
  displayUrl: string;
  logger: SourceLogger;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** The tracked branch's manifests by blob id, so a new revision reads only what changed. */
  blobs: BlobCache;
}

export function createGitSource(options: GitSourceOptions): GitSource {
  const ctx = createContext(options);
  const mutex = createMutex();
  const queue = createCommitQueue();
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
        gitDir = await openClone(ctx, options.workDir, options.clearStaleLocks === true);
        last = null;
      }),
    poll: () =>
      mutex.run(async () => {
        requireOpen();
        const snapshot = await pollOnce(ctx, last);
        if (snapshot) last = snapshot;
        return snapshot;
      }),
    commit: (change) =>
      new Promise<CommitResult>((resolve, reject) => {
        enqueue(ctx, queue, change, { resolve, reject });
        void mutex.run(() => drainQueue(queue, (target, batch) => commitBatch(commitDeps(ctx, requireOpen()), target, batch)));
      }),
    lastSnapshot: () => last,
    snapshotOf: (sha) =>
      mutex.run(async () => {
        requireOpen();
        if (!/^[0-9a-f]{40}$/.test(sha)) throw new GitSourceError('InvalidBranch', 'a commit sha must be 40 hex characters');
        const present = await ctx.git.run(['cat-file', '-e', `${sha}^{commit}`]).then(() => true, () => false);
        if (!present) await ctx.git.run(['fetch', '--quiet', '--no-tags', 'origin', '+refs/heads/*:refs/clusterops/heads/*', '+refs/pull/*/head:refs/clusterops/pull/*']);
        return readSnapshotAt(ctx.git, sha);
      }),
    contains: (revision, ancestor) =>
      mutex.run(async () => {
        requireOpen();
        if (![revision, ancestor].every((sha) => /^[0-9a-f]{40}$/.test(sha))) return false;
        // The best common ancestor is `ancestor` itself exactly when it is one (`--is-ancestor` speaks
        // only through its exit code, which the runner does not report); an unknown commit fails.
        return ctx.git.run(['merge-base', ancestor, revision]).then((base) => base.trim() === ancestor, () => false);
      }),
  };
}

/** Validates a change and queues it; throws (rejecting the caller's promise) when it is unusable. */
function enqueue(ctx: SourceContext, queue: CommitQueue, change: CommitChange, settle: Pick<PendingCommit, 'resolve' | 'reject'>): void {
  const branch = assertBranchName(change.branch ?? ctx.branch);
  queue.add(
    { branch, mustExist: branch === ctx.branch },
    { message: change.message, author: assertIdentity(change.author, 'the commit author'), edit: change.edit, maxAttempts: Math.max(1, change.maxAttempts ?? 5), ...settle },
  );
}

/** Runs the oldest batch, if any (earlier drains may have taken everything). */
async function drainQueue(queue: CommitQueue, run: (target: CommitTarget, batch: PendingCommit[]) => Promise<void>): Promise<void> {
  const next = queue.take();
  if (!next) return;
  try {
    await run(next.target, next.batch);
  } catch (err) {
    for (const p of next.batch) p.reject(err);
  }
}

function createContext(options: GitSourceOptions): SourceContext {
  const operatorEnv = options.env ?? {};
  const access = splitCredentials(options.url, operatorEnv);
  const redact = createRedactor([...Object.values(operatorEnv), ...access.secrets]);
  const git = createGitRunner({
    cwd: options.workDir,
    env: { ...operatorEnv, ...access.env },
    baseEnv: options.baseEnv ?? process.env,
    simpleGit: options.simpleGit ?? simpleGit,
    redact,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  return {
    url: access.url,
    branch: assertBranchName(options.branch),
    committer: assertIdentity(options.author ?? DEFAULT_COMMITTER, 'the source author'),
    git,
    redact,
    displayUrl: redact(access.url),
    logger: options.logger ?? silentLogger(),
    now: options.now ?? (() => new Date()),
    sleep: options.sleep ?? ((ms) => delay(ms)),
    random: options.random ?? Math.random,
    blobs: new Map(),
  };
}

/** Clones or reuses workDir, checks out the branch; returns the absolute .git directory. */
async function openClone(ctx: SourceContext, workDir: string, clearLocks: boolean): Promise<string> {
  const how = await ensureClone(ctx.git, ctx.url, workDir, ctx.redact);
  if (clearLocks && how === 'reused') {
    const cleared = await clearStaleLocks(join(workDir, '.git'));
    if (cleared.length > 0) ctx.logger.warn('removed lock files a killed git left in the clone', { workDir, locks: cleared });
  }
  const head = await syncBranchIfMoved(ctx.git, ctx.branch, null, ctx.displayUrl);
  if (head !== null) await resetWorkTree(ctx.git, ctx.branch, head);
  ctx.logger.info(`${how === 'cloned' ? 'cloned' : 'reusing the clone of'} ${ctx.displayUrl}`, { branch: ctx.branch, workDir, head });
  return (await ctx.git.run(['rev-parse', '--absolute-git-dir'])).trim();
}

async function pollOnce(ctx: SourceContext, last: Snapshot | null): Promise<Snapshot | null> {
  const head = await syncBranchIfMoved(ctx.git, ctx.branch, last?.revision ?? null, ctx.displayUrl);
  if (head === null) return null;
  await resetWorkTree(ctx.git, ctx.branch, head);
  const snapshot = await readSnapshotAt(ctx.git, head, ctx.blobs);
  ctx.logger.info('new revision', { branch: ctx.branch, revision: snapshot.revision, clustersTreeId: snapshot.clustersTreeId });
  return snapshot;
}

function commitDeps(ctx: SourceContext, gitDir: string): CommitDeps {
  const { git, committer, displayUrl, logger, now, sleep, random } = ctx;
  return { git, gitDir, committer, displayUrl, logger, now, sleep, random };
}
