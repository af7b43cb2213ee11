import { GitSourceError } from './git-errors.js';
import type { GitIdentity } from './types.js';

/**
 * Accepts only a plain relative path inside the repository, e.g. `clusters/prod.yaml`:
 * no absolute path, no `.`/`..`/empty segment, no backslash or control character, and
 * nothing inside `.git`. Throws `GitSourceError('InvalidPath')` otherwise.
 */
export function assertRepoPath(path: string): string {
  const problem = repoPathProblem(path);
  if (problem) throw new GitSourceError('InvalidPath', `refusing path ${JSON.stringify(path)}: ${problem}`);
  return path;
}

function repoPathProblem(path: string): string | null {
  if (path === '') return 'it is empty';
  if (path.startsWith('/') || /^[a-z]:\//i.test(path)) return 'it is absolute; use a path relative to the repository root';
  // Git paths cannot hold NUL; other control characters and backslashes are never meant.
  if (/[\u0000-\u001f\\]/.test(path)) return 'it contains a backslash or a control character';
  const segments = path.split('/');
  if (segments.some((s) => s === '..')) return 'it leaves the repository (`..`)';
  if (segments.some((s) => s === '' || s === '.')) return 'it has an empty or `.` segment';
  if (segments.some((s) => s.toLowerCase() === '.git')) return 'it points into .git';
  return null;
}

/** A branch name git accepts (`git check-ref-format --branch` rules, conservatively). */
export function assertBranchName(branch: string): string {
  const bad =
    branch === '' ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.endsWith('.lock') ||
    branch.includes('..') ||
    branch.includes('//') ||
    branch.includes('@{') ||
    branch === '@' ||
    /[\u0000-\u0020\u007f~^:?*[\\]/.test(branch) ||
    branch.split('/').some((s) => s.startsWith('.'));
  if (bad) throw new GitSourceError('InvalidBranch', `${JSON.stringify(branch)} is not a valid branch name`);
  return branch;
}

/** Git silently mangles identities with angle brackets or line breaks; refuse them instead. */
export function assertIdentity(who: GitIdentity, role: string): GitIdentity {
  const bad = (s: string) => s.trim() === '' || /[<>\n\r\u0000]/.test(s);
  if (bad(who.name) || bad(who.email)) {
    throw new GitSourceError('InvalidIdentity', `${role} needs a non-empty name and email without '<', '>' or line breaks`);
  }
  return who;
}
