import { readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Folders of a clone where git keeps per-ref locks (`<ref>.lock`). */
const REF_DIRS = ['refs', 'logs'];

/**
 * Removes the lock files a git killed mid-command (SIGKILL, OOM, power loss) leaves in a
 * clone's `.git`: `index.lock`, `HEAD.lock`, `packed-refs.lock`, `shallow.lock`, our scratch
 * index's lock, and `<ref>.lock` under refs/ and logs/. Until removed, every later checkout,
 * fetch or update of that ref fails with "Unable to create '….lock': File exists", across
 * restarts. Only correct while nothing else runs git in this clone: call it at open, when the
 * caller holds the data directory's lock (so no git of a previous run can still be alive).
 * Returns the paths removed, relative to `gitDir`.
 */
export async function clearStaleLocks(gitDir: string): Promise<string[]> {
  const found = [...(await locksIn(gitDir, false)), ...(await Promise.all(REF_DIRS.map((d) => locksIn(join(gitDir, d), true)))).flat()];
  await Promise.all(found.map((path) => rm(path, { force: true })));
  return found.map((path) => relative(gitDir, path));
}

async function locksIn(dir: string, recursive: boolean): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isFile() && e.name.endsWith('.lock')) out.push(path);
    else if (recursive && e.isDirectory()) out.push(...(await locksIn(path, true)));
  }
  return out;
}
