import { constants, type Dirent, type Stats } from 'node:fs';
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoEntry } from '../domain/manifest/repository.js';
import { CLUSTERS_SYMLINK_REASON, createReadBudget, ID_PREFIX_BYTES, idFromPrefix, MAX_DEPTH, MAX_MANIFEST_BYTES, sizeProblem, SPECIAL_REASON, SYMLINK_REASON, tooLargeReason, unreadable, type ReadBudget } from './manifest-limits.js';

export class RepositoryLayoutError extends Error {
  override readonly name = 'RepositoryLayoutError';
}

/**
 * Reads the entries under `<repoDir>/clusters/` (sub-folders included) from a working tree. Symlinks are never
 * followed (a manifest linked to a token file must not print the token), and nothing is read
 * that is not a regular file under `MAX_MANIFEST_BYTES`: such entries come back `unreadable`.
 * Throws `RepositoryLayoutError` (with a user-facing message) when there is no such folder, or
 * when clusters/ itself is a symlink.
 */
export async function readClusterEntries(repoDir: string): Promise<RepoEntry[]> {
  const dir = join(repoDir, 'clusters');
  const before = await clustersFolder(repoDir);
  const names = await readdir(dir, { withFileTypes: true });
  const entries = await readLevel(dir, names, 'clusters', 0, createReadBudget());
  // Files are opened by path: had clusters/ been swapped for a symlink meanwhile, they could
  // have come from its target. Refuse the read then (the next one sees the symlink).
  const after = await clustersFolder(repoDir);
  if (after.ino !== before.ino || after.dev !== before.dev) throw new RepositoryLayoutError(`${repoDir}: clusters/ was replaced while it was read`);
  return entries;
}

/** Vim swap files and Emacs lock files: an editor's, never a manifest (other dotfiles are reported). */
const EDITOR_TEMP = /^\.(.+\.sw[a-p]|#.+)$/;

/**
 * The entries of one folder. Dotfiles and sub-folders' files are returned too, so the validator
 * reports them (and reads their id) instead of having them vanish, which reads as "cluster deleted".
 * A sub-folder is entered only when readdir says it is a folder (a symlinked folder is an entry
 * of its own, refused unread).
 */
async function readLevel(dir: string, names: Dirent[], prefix: string, depth: number, budget: ReadBudget): Promise<RepoEntry[]> {
  const entries: RepoEntry[] = [];
  for (const d of names) {
    if (EDITOR_TEMP.test(d.name)) continue;
    const path = `${prefix}/${d.name}`;
    if (d.isDirectory()) {
      const inner = depth < MAX_DEPTH ? await readLevel(join(dir, d.name), await readdir(join(dir, d.name), { withFileTypes: true }), path, depth + 1, budget) : [];
      entries.push(...(inner.length > 0 ? inner : [{ path, kind: 'dir' as const }]));
      continue;
    }
    entries.push(await readEntry(dir, d, path, budget));
  }
  return entries;
}

/**
 * The text of `clusters/<file>` in a working tree under the same rules (for the dashboard);
 * null when it is absent, not a plain `<file>` name, or refused.
 */
export async function readManifestText(repoDir: string, path: string): Promise<string | null> {
  const file = /^clusters\/([^/\\]+)$/.exec(path)?.[1];
  if (!file || file === '.' || file === '..') return null;
  try {
    await clustersFolder(repoDir);
    const entry = await readRegular(join(repoDir, 'clusters', file), path, createReadBudget());
    return entry.kind === 'file' ? entry.content : null;
  } catch {
    return null;
  }
}

/** lstat of `<repoDir>/clusters`; throws `RepositoryLayoutError` unless it is a real folder. */
async function clustersFolder(repoDir: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await lstat(join(repoDir, 'clusters'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new RepositoryLayoutError(`${repoDir} has no clusters/ folder: a clusterops repository keeps one clusters/<name>.yaml per cluster`);
    }
    throw err;
  }
  if (st.isSymbolicLink()) throw new RepositoryLayoutError(`${repoDir}: ${CLUSTERS_SYMLINK_REASON}`);
  if (!st.isDirectory()) throw new RepositoryLayoutError(`${repoDir} has no clusters/ folder: a clusterops repository keeps one clusters/<name>.yaml per cluster`);
  return st;
}

async function readEntry(dir: string, d: Dirent, path: string, budget: ReadBudget): Promise<RepoEntry> {
  if (d.isSymbolicLink()) return unreadable(path, SYMLINK_REASON);
  if (!d.isFile()) return unreadable(path, SPECIAL_REASON);
  return readRegular(join(dir, d.name), path, budget);
}

/**
 * Opens without following a symlink (the name may have been swapped since readdir) and without
 * blocking (a FIFO), then checks the open file itself: regular, and small enough to read.
 */
async function readRegular(full: string, path: string, budget: ReadBudget): Promise<RepoEntry> {
  let handle: FileHandle;
  try {
    handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return unreadable(path, SYMLINK_REASON);
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return unreadable(path, SPECIAL_REASON);
    const id = async () => (budget.takePrefix() ? idFromPrefix((await readUpTo(handle, ID_PREFIX_BYTES)).toString('utf8')) : undefined);
    const problem = sizeProblem(st.size, budget);
    if (problem) return unreadable(path, problem, await id());
    // Sized by fstat (no 256 KiB buffer per manifest); one byte more shows a file that grew since,
    // which is then read again up to one byte past the limit.
    let bytes = await readUpTo(handle, st.size + 1);
    if (bytes.length > st.size) bytes = await readUpTo(handle, MAX_MANIFEST_BYTES + 1);
    if (bytes.length > MAX_MANIFEST_BYTES) return unreadable(path, tooLargeReason(bytes.length), await id());
    return { path, kind: 'file', content: bytes.toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** The file's first `max` bytes (fewer at its end). */
async function readUpTo(handle: FileHandle, max: number): Promise<Buffer> {
  const buf = Buffer.alloc(max);
  let filled = 0;
  while (filled < max) {
    const { bytesRead } = await handle.read(buf, filled, max - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}
