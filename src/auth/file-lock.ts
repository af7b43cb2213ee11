import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AccountsError } from './types.js';

/** How long to wait for a lock, and when a lock counts as left behind by a crashed writer. */
export interface FileLockOptions {
  waitMs?: number;
  staleMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` while holding `lockPath` (created with O_EXCL), so read-modify-write cycles of
 * several processes do not overwrite each other. Writers hold it for milliseconds; a lock older
 * than `staleMs` is taken to be a crashed writer's and removed. Throws AccountsError('Conflict')
 * when the lock stays taken for `waitMs`.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<void> {
  const { waitMs = 5_000, staleMs = 30_000, now = Date.now, sleep = defaultSleep } = options;
  await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 });
  const deadline = now() + waitMs;
  for (;;) {
    if (await tryCreate(lockPath)) return;
    const age = await ageOf(lockPath, now);
    if (age !== null && age > staleMs) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (now() > deadline) {
      throw new AccountsError('Conflict', `${lockPath} is held by another clusterops process; remove it if none is running`);
    }
    await sleep(10);
  }
}

async function tryCreate(lockPath: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx', 0o600);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Milliseconds since the lock was taken; null if it vanished meanwhile. */
async function ageOf(lockPath: string, now: () => number): Promise<number | null> {
  try {
    return now() - (await stat(lockPath)).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
