import { buildChain, type BuildDeps, type BuiltOutcome, type CommitSpec } from './git-commit-build.js';
import { GitSourceError } from './git-errors.js';
import { remoteHead, syncBranch } from './git-remote.js';
import type { GitRunner } from './git-runner.js';
import type { SourceLogger } from './types.js';

/** Outcome of `commit()`: pushed, refused by the edit, or an edit that changed nothing. */
export type CommitResult = { revision: string; attempts: number } | { refused: string } | { unchanged: true };

/** A commit waiting for its turn; settled exactly once. */
export interface PendingCommit extends CommitSpec {
  maxAttempts: number;
  resolve(result: CommitResult): void;
  reject(err: unknown): void;
}

/** Which branch a batch writes; only the tracked branch must already exist. */
export interface CommitTarget {
  branch: string;
  mustExist: boolean;
}

export interface CommitDeps extends BuildDeps {
  displayUrl: string;
  logger: SourceLogger;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/**
 * Commits a batch of requests to one branch with a single push: fetch the head, run every
 * edit in order (each sees the ones before it), chain the commits, push without force. If
 * another writer got there first, everything is redone on the new head after a jittered
 * backoff, so no update is ever lost. Batching matters for fairness: a source whose queue
 * is long would otherwise win every race against one that just lost, and starve it.
 * A request still unpushed after `maxAttempts` rounds fails with `PushRejected`.
 */
export async function commitBatch(deps: CommitDeps, target: CommitTarget, batch: PendingCommit[]): Promise<void> {
  let pending = batch;
  for (let attempt = 1; pending.length > 0; attempt++) {
    let round: { base: string | null; tip: string | null; outcomes: BuiltOutcome[] };
    try {
      const base = await syncBranch(deps.git, target.branch, target.mustExist, deps.displayUrl);
      round = { base, ...(await buildChain(deps, base, pending)) };
      if (round.tip === null || (await pushCommit(deps.git, round.tip, target.branch, round.base))) {
        pending.forEach((p, i) => settle(p, round.outcomes[i]!, attempt));
        return;
      }
    } catch (err) {
      for (const p of pending) p.reject(err);
      return;
    }
    pending = dropExhausted(pending, attempt, target.branch);
    deps.logger.info('push lost a race with another writer; redoing the edits on the new head', { branch: target.branch, attempt, waiting: pending.length });
    if (pending.length > 0) await deps.sleep(backoffMs(attempt, deps.random));
  }
}

/** 25, 50, 100 … ms (capped at 800), each scaled by a random 0.5–1.5 so racing writers spread out. */
function backoffMs(attempt: number, random: () => number): number {
  return Math.round(Math.min(800, 25 * 2 ** (attempt - 1)) * (0.5 + random()));
}

function settle(p: PendingCommit, outcome: BuiltOutcome, attempts: number): void {
  if (outcome.kind === 'commit') p.resolve({ revision: outcome.revision, attempts });
  else if (outcome.kind === 'refused') p.resolve({ refused: outcome.reason });
  else if (outcome.kind === 'unchanged') p.resolve({ unchanged: true });
  else p.reject(outcome.error);
}

function dropExhausted(pending: PendingCommit[], attempt: number, branch: string): PendingCommit[] {
  return pending.filter((p) => {
    if (attempt < p.maxAttempts) return true;
    p.reject(new GitSourceError('PushRejected', `${branch} kept moving: gave up after ${attempt} attempts; nothing was committed`));
    return false;
  });
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
