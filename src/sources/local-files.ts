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
  const entries: RepoEntry[] = [];
  for (const d of names) {
    if (d.name.startsWith('.')) continue; // .gitkeep and editor files are not manifests
    const path = `clusters/${d.name}`;
    if (d.isDirectory()) {
      entries.push({ path, kind: 'dir' });
      continue;
    }
    entries.push({ path, kind: 'file', content: await readFile(join(dir, d.name), 'utf8') });
  }
  return entries;
}
