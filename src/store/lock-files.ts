import { link, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

/** Who holds a data directory; `token` tells this holder from a later one of the same pid. */
export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  token?: string;
}

/** One look at a lock file: its owner (null when empty or unreadable), inode and age. */
export interface LockSighting {
  owner: LockOwner | null;
  ino: number;
  ageMs: number;
}

/** Writes a file with the owner's line, fsynced, for linking into place. */
export async function writeCandidate(path: string, owner: LockOwner): Promise<void> {
  const handle = await open(path, 'wx', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(owner)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `link(from, to)`: puts a whole file at `to` only if nothing is there (atomic); false on EEXIST. */
export async function linkIfAbsent(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Replaces `to` with (a link to) `from` atomically; `from` stays. */
export async function replaceWith(from: string, to: string, token: string): Promise<void> {
  const swap = `${to}.${token}.swap`;
  await rm(swap, { force: true });
  await link(from, swap);
  await rename(swap, to);
}

/** Reads the lock's owner and its inode and age through one descriptor; null when there is no lock. */
export async function inspectLock(path: string, now: () => number): Promise<LockSighting | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const stats = await handle.stat();
    return { owner: parseOwner(await handle.readFile('utf8')), ino: stats.ino, ageMs: now() - stats.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** The lock's owner, or null when it is missing, empty or not a lock line. */
export async function readOwner(path: string): Promise<LockOwner | null> {
  return (await inspectLock(path, Date.now).catch(() => null))?.owner ?? null;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const p = JSON.parse(text) as Partial<LockOwner>;
    if (typeof p.pid !== 'number' || typeof p.host !== 'string') return null;
    return { pid: p.pid, host: p.host, startedAt: String(p.startedAt), ...(typeof p.token === 'string' ? { token: p.token } : {}) };
  } catch {
    return null;
  }
}

export async function touch(path: string, at: number): Promise<void> {
  const t = new Date(at);
  await utimes(path, t, t);
}

/**
 * Removes candidate and swap files that processes killed while taking the lock left behind;
 * only old ones, since a contender starting now still needs its own.
 */
export async function removeLitter(dataDir: string, olderThanMs: number, now: () => number): Promise<void> {
  const names = await readdir(dataDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^clusterops\.lock\.[0-9a-f]+\.(new|swap)$/.test(n))) {
    const path = join(dataDir, name);
    const age = await stat(path).then((s) => now() - s.mtimeMs, () => 0);
    if (age > olderThanMs) await rm(path, { force: true });
  }
}
