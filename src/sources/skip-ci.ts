/** The marker status commits carry so CI (GitHub Actions, GitLab, most others) skips them. */
export const SKIP_CI_MARKER = '[skip ci]';

const SKIP_MARKERS = /\[(skip ci|ci skip|no ci|skip actions|actions skip)\]/i;
const SKIP_TRAILER = /^skip-checks:\s*true\s*$/im;

/**
 * Whether a commit message asks CI to skip it: any of GitHub's `[skip ci]` spellings, or a
 * `skip-checks: true` trailer. Callers must not rely on this alone to avoid reconcile loops:
 * a status commit keeps the snapshot's `clustersTreeId`, which is the real signal.
 */
export function isSkipCi(message: string): boolean {
  return SKIP_MARKERS.test(message) || SKIP_TRAILER.test(message);
}
