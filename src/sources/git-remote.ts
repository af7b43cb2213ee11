import { GitSourceError } from './git-errors.js';
import type { GitRunner } from './git-runner.js';

/** The remote's head of `branch` (one cheap `ls-remote`, no objects transferred), or null if absent. */
export async function remoteHead(git: GitRunner, branch: string): Promise<string | null> {
  const ref = `refs/heads/${branch}`;
  const out = await git.run(['ls-remote', 'origin', ref]);
  const line = out.split('\n').find((l) => l.endsWith(`\t${ref}`));
  return line ? line.slice(0, line.indexOf('\t')) : null;
}

/** The local remote-tracking head of `branch`, or null when there is none. */
export async function trackingHead(git: GitRunner, branch: string): Promise<string | null> {
  const out = await git.run(['for-each-ref', '--format=%(objectname)', `refs/remotes/origin/${branch}`]);
  return out.trim() || null;
}

/**
 * Makes `refs/remotes/origin/<branch>` hold at least `head`, fetching only when it does not
 * already (after our own push it does). Returns the tracking head, which may be newer than
 * `head` if the branch moved again meanwhile.
 */
export async function fetchBranch(git: GitRunner, branch: string, head: string): Promise<string> {
  const local = await trackingHead(git, branch);
  if (local === head) return head;
  await git.run(['fetch', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
  return (await trackingHead(git, branch)) ?? head;
}

/** The clear error for a tracked branch the remote does not have. */
export async function missingBranchError(git: GitRunner, branch: string, displayUrl: string): Promise<GitSourceError> {
  const out = await git.run(['ls-remote', '--heads', 'origin']);
  const heads = out
    .split('\n')
    .filter((l) => l.includes('\trefs/heads/'))
    .map((l) => l.slice(l.indexOf('\trefs/heads/') + '\trefs/heads/'.length));
  if (heads.length === 0) {
    return new GitSourceError('EmptyRemote', `${displayUrl} has no commits yet: push a first commit (with a clusters/ folder) to branch ${branch}, then open the source again`);
  }
  const listed = heads.length > 10 ? `${heads.slice(0, 10).join(', ')} and ${heads.length - 10} more` : heads.join(', ');
  return new GitSourceError('BranchNotFound', `${displayUrl} has no branch ${branch}; it has ${listed}`);
}

/**
 * The head of `branch` on the remote, fetched locally; null when the branch is absent and
 * `mustExist` is false (a status branch not created yet).
 */
export async function syncBranch(git: GitRunner, branch: string, mustExist: boolean, displayUrl: string): Promise<string | null> {
  const head = await remoteHead(git, branch);
  if (head === null) {
    if (mustExist) throw await missingBranchError(git, branch, displayUrl);
    return null;
  }
  return fetchBranch(git, branch, head);
}

/** Checks out `rev` on the local `branch` and makes the working tree match it exactly. */
export async function resetWorkTree(git: GitRunner, branch: string, rev: string): Promise<void> {
  // Not --quiet: simple-git waits an extra 50 ms for commands that print nothing.
  await git.run(['checkout', '--force', '-B', branch, rev]);
  await git.run(['clean', '-ffdq']);
}

/**
 * The tracked branch's new head, fetched; null — without fetching anything — when the remote
 * still has `known`. Throws `EmptyRemote` / `BranchNotFound` when the branch is gone.
 */
export async function syncBranchIfMoved(git: GitRunner, branch: string, known: string | null, displayUrl: string): Promise<string | null> {
  const head = await remoteHead(git, branch);
  if (head === null) throw await missingBranchError(git, branch, displayUrl);
  if (head === known) return null;
  const fetched = await fetchBranch(git, branch, head);
  return fetched === known ? null : fetched;
}
