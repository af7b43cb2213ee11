import type { CommitTarget, PendingCommit } from './git-commit.js';

/** Requests are taken in batches of at most this many, to bound one round's work. */
const MAX_BATCH = 32;

/** Commits waiting for the source's lock, in call order. */
export interface CommitQueue {
  add(target: CommitTarget, pending: PendingCommit): void;
  /** The oldest request and every later one for the same branch (up to a limit), removed from the queue. */
  take(): { target: CommitTarget; batch: PendingCommit[] } | null;
}

export function createCommitQueue(): CommitQueue {
  let waiting: { target: CommitTarget; pending: PendingCommit }[] = [];
  return {
    add(target, pending) {
      waiting.push({ target, pending });
    },
    take() {
      const first = waiting[0];
      if (!first) return null;
      const taken = waiting.filter((w) => w.target.branch === first.target.branch).slice(0, MAX_BATCH);
      waiting = waiting.filter((w) => !taken.includes(w));
      return { target: first.target, batch: taken.map((w) => w.pending) };
    },
  };
}
