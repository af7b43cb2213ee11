import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitSourceError } from './git-errors.js';
import { assertRepoPath } from './git-inputs.js';
import { readFileAt } from './git-objects.js';
import { remoteHead, syncBranch } from './git-remote.js';
import type { GitRunner } from './git-runner.js';
import type { FileChange, GitIdentity, SourceLogger } from './types.js';

/** Reads a file at the head the edit runs on; undefined when it does not exist there. */
export type FileReader = (path: string) => Promise<string | undefined>;

/** What an edit returns: the files to write, or why it will not (nothing is committed then). */
export type EditOutcome = FileChange[] | { refused: string };

/** Outcome of `commit()`: pushed, refused by the edit, or an edit that changed nothing. */
export type CommitResult = { revision: string; attempts: number } | { refused: string } | { unchanged: true };

export interface CommitRequest {
  message: string;
  author: GitIdentity;
  committer: GitIdentity;
  branch: string;
  /** The tracked branch must exist on the remote; any other branch starts as an orphan. */
  mustExist: boolean;
  edit: (read: FileReader) => Promise<EditOutcome>;
  maxAttempts: number;
}

export interface CommitDeps {
  git: GitRunner;
  /** Absolute path of the clone's .git directory (scratch index and message files go there). */
  gitDir: string;
  displayUrl: string;
  logger: SourceLogger;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/**
 * Fetch → edit → commit → push, again from the new head whenever another writer got there
 * first. Never touches the working tree or its index: the commit is built from Git objects
 * with a scratch index, so it works for any branch, including one never checked out.
 */
export async function commitWithRetry(deps: CommitDeps, req: CommitRequest): Promise<CommitResult> {
  for (let attempt = 1; ; attempt++) {
    const base = await syncBranch(deps.git, req.branch, req.mustExist, deps.displayUrl);
    const outcome = await req.edit((path) => readAt(deps.git, base, path));
    if (!Array.isArray(outcome)) return { refused: outcome.refused };
    for (const change of outcome) assertRepoPath(change.path);
    const commit = await buildCommit(deps, base, outcome, req);
    if (commit === null) return { unchanged: true };
    if (await pushCommit(deps.git, commit, req.branch, base)) return { revision: commit, attempts: attempt };
    if (attempt >= req.maxAttempts) {
      throw new GitSourceError('PushRejected', `${req.branch} kept moving: gave up after ${attempt} attempts; nothing was committed`);
    }
    deps.logger.info('push lost a race with another writer; retrying on the new head', { branch: req.branch, attempt });
    await deps.sleep(backoffMs(attempt, deps.random));
  }
}

/** 25, 50, 100 … ms (capped at 800), each scaled by a random 0.5–1.5 so racing writers spread out. */
export function backoffMs(attempt: number, random: () => number): number {
  return Math.round(Math.min(800, 25 * 2 ** (attempt - 1)) * (0.5 + random()));
}

function readAt(git: GitRunner, base: string | null, path: string): Promise<string | undefined> {
  assertRepoPath(path);
  return base === null ? Promise.resolve(undefined) : readFileAt(git, base, path);
}

/** The new commit's id, or null when the changes leave the tree as it was. */
async function buildCommit(deps: CommitDeps, base: string | null, changes: FileChange[], req: CommitRequest): Promise<string | null> {
  const index = join(deps.gitDir, 'clusterops-commit.index');
  const scratch = join(deps.gitDir, 'clusterops-commit.tmp');
  const env = { GIT_INDEX_FILE: index };
  const git = deps.git;
  await rm(index, { force: true });
  try {
    await git.run(['read-tree', base ?? '--empty'], env);
    const baseTree = base === null ? await git.run(['write-tree'], env) : await git.run(['rev-parse', `${base}^{tree}`]);
    for (const change of changes) await stageChange(git, env, scratch, change);
    const tree = (await git.run(['write-tree'], env)).trim();
    if (tree === baseTree.trim()) return null;
    await writeFile(scratch, req.message, 'utf8');
    const parents = base === null ? [] : ['-p', base];
    const out = await git.run(['commit-tree', tree, ...parents, '-F', scratch], identityEnv(req, deps.now()));
    return out.trim();
  } finally {
    await Promise.all([rm(index, { force: true }), rm(scratch, { force: true })]);
  }
}

async function stageChange(git: GitRunner, env: Record<string, string>, scratch: string, change: FileChange): Promise<void> {
  if (change.content === null) {
    await git.run(['update-index', '--force-remove', '--', change.path], env);
    return;
  }
  // Content goes through a file, never argv, so no manifest text ever reaches a command line.
  await writeFile(scratch, change.content, 'utf8');
  const blob = (await git.run(['hash-object', '-w', '--no-filters', '--', scratch])).trim();
  await git.run(['update-index', '--add', '--cacheinfo', `100644,${blob},${change.path}`], env);
}

function identityEnv(req: CommitRequest, now: Date): Record<string, string> {
  const date = `@${Math.floor(now.getTime() / 1000)} +0000`;
  return {
    GIT_AUTHOR_NAME: req.author.name,
    GIT_AUTHOR_EMAIL: req.author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: req.committer.name,
    GIT_COMMITTER_EMAIL: req.committer.email,
    GIT_COMMITTER_DATE: date,
  };
}

/**
 * Pushes without force. True when the branch now holds `commit`; false when another writer
 * moved it first (retry); rethrows any other failure (auth, hooks, network).
 */
async function pushCommit(git: GitRunner, commit: string, branch: string, base: string | null): Promise<boolean> {
  try {
    await git.run(['push', '--porcelain', 'origin', `${commit}:refs/heads/${branch}`]);
    return true;
  } catch (err) {
    // Decide from the remote's state, not git's wording: if the branch moved, we lost a race.
    const now = await remoteHead(git, branch);
    if (now === commit) return true;
    if (now !== base) return false;
    throw err;
  }
}
