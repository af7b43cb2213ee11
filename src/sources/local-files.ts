import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoEntry } from '../domain/manifest/repository.js';

export class RepositoryLayoutError extends Error {
  override readonly name = 'RepositoryLayoutError';
}

/**
 * Reads the entries directly under `<repoDir>/clusters/` from a working tree.
 * Throws `RepositoryLayoutError` (with a user-facing message) when there is no such folder.
 */
export async function readClusterEntries(repoDir: string): Promise<RepoEntry[]> {
  const dir = join(repoDir, 'clusters');
  let names;
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new RepositoryLayoutError(`${repoDir} has no clusters/ folder: a clusterops repository keeps one clusters/<name>.yaml per cluster`);
    }
    throw err;
  }
  return readLevel(dir, names, 'clusters', 0);
}

/** Vim swap files and Emacs lock files: an editor's, never a manifest (other dotfiles are reported). */
const EDITOR_TEMP = /^\.(.+\.sw[a-p]|#.+)$/;

/** Sub-folders below clusters/ are read this deep; deeper ones come back as a folder entry. */
const MAX_DEPTH = 4;

/**
 * The entries of one folder. Dotfiles and sub-folders' files are returned too, so the validator
 * reports them (and reads their id) instead of having them vanish, which reads as "cluster deleted".
 */
async function readLevel(dir: string, names: Dirent[], prefix: string, depth: number): Promise<RepoEntry[]> {
  const entries: RepoEntry[] = [];
  for (const d of names) {
    if (EDITOR_TEMP.test(d.name)) continue;
    const path = `${prefix}/${d.name}`;
    if (d.isDirectory()) {
      const inner = depth < MAX_DEPTH ? await readLevel(join(dir, d.name), await readdir(join(dir, d.name), { withFileTypes: true }), path, depth + 1) : [];
      entries.push(...(inner.length > 0 ? inner : [{ path, kind: 'dir' as const }]));
      continue;
    }
    entries.push({ path, kind: 'file', content: await readFile(join(dir, d.name), 'utf8') });
  }
  return entries;
}
