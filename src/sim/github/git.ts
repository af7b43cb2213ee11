import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The identity the emulator commits merges as, like GitHub's web-flow committer. */
const IDENTITY = ['-c', 'user.name=GitHub', '-c', 'user.email=noreply@github.com'];

/** Runs git with `args` in `cwd`; rejects with git's stderr in the message. */
export async function git(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('git', [...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

/** The commit sha a ref (branch, tag or sha) names, or undefined when it names none. */
export async function resolveCommit(repoPath: string, ref: string): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined;
  try {
    return (await git(repoPath, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch {
    return undefined;
  }
}

/** A changed file between a base and a head, in GitHub's `pulls.listFiles` vocabulary. */
export interface ChangedFile {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed' | 'copied' | 'changed';
  previous_filename?: string;
  additions: number;
  deletions: number;
}

const STATUS: Record<string, ChangedFile['status']> = { A: 'added', M: 'modified', D: 'removed', R: 'renamed', C: 'copied', T: 'changed' };

/** The files changed on `head` since it forked from `base` (`git diff base...head`). */
export async function diffFiles(repoPath: string, base: string, head: string): Promise<ChangedFile[]> {
  const range = `${base}...${head}`;
  const names = (await git(repoPath, ['diff', '--name-status', '-M', '-z', range])).split('\0');
  const counts = numstat(await git(repoPath, ['diff', '--numstat', '-M', '-z', range]));
  const files: ChangedFile[] = [];
  for (let i = 0; i < names.length - 1; ) {
    const code = names[i++]!;
    const letter = code.charAt(0);
    const twoPaths = letter === 'R' || letter === 'C';
    const previous = twoPaths ? names[i++]! : undefined;
    const filename = names[i++]!;
    const n = counts.get(filename) ?? { additions: 0, deletions: 0 };
    files.push({ filename, status: STATUS[letter] ?? 'modified', ...(previous !== undefined ? { previous_filename: previous } : {}), ...n });
  }
  return files;
}

/** Parses `--numstat -z`: `a\td\tpath\0`, or `a\td\t\0old\0new\0` for a rename; `-` for binary. */
function numstat(out: string): Map<string, { additions: number; deletions: number }> {
  const parts = out.split('\0');
  const counts = new Map<string, { additions: number; deletions: number }>();
  for (let i = 0; i < parts.length - 1; ) {
    const [a = '-', d = '-', path = ''] = parts[i++]!.split('\t');
    const filename = path === '' ? (i++, parts[i++]!) : path;
    counts.set(filename, { additions: a === '-' ? 0 : Number(a), deletions: d === '-' ? 0 : Number(d) });
  }
  return counts;
}

/**
 * Merges `head` into `base` inside the bare repo through a temporary clone, as GitHub's merge
 * button does (always a merge commit), and pushes the result. Returns the new base sha. If it
 * throws (conflict, base moved), the bare repo is unchanged.
 */
export async function mergeInto(repoPath: string, base: string, head: string, message: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-sim-merge-'));
  try {
    await git(dir, ['clone', '--quiet', '--branch', base, repoPath, 'w']);
    const work = join(dir, 'w');
    await git(work, ['fetch', '--quiet', 'origin', `refs/heads/${head}`]);
    await git(work, [...IDENTITY, 'merge', '--no-ff', '--no-edit', '-m', message, 'FETCH_HEAD']);
    await git(work, ['push', '--quiet', 'origin', `HEAD:refs/heads/${base}`]);
    return (await git(work, ['rev-parse', 'HEAD'])).trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
