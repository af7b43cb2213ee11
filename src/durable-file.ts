import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, type BigIntStats } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `text` so that it survives power loss: a temp file beside it, fsync,
 * rename over the old file, fsync of the directory (without it the rename itself may be lost,
 * leaving the old content after a crash the caller was told had passed). Readers see the old or
 * the new content, never a mix. On failure (ENOSPC, EACCES …) the old file is untouched, the temp
 * file is removed, and the error is thrown with its `code`. Returns the written file's stats
 * (rename keeps inode, size and mtime).
 */
export async function writeFileDurably(path: string, text: string, mode = 0o600): Promise<BigIntStats> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx', mode);
  let stats: BigIntStats;
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    stats = await handle.stat({ bigint: true });
    await handle.close();
    await rename(temp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
  return stats;
}

/**
 * `writeFileDurably` without giving up the thread: when it returns, the file is on disk. For
 * callers that must not answer anyone before then (the simulated cloud persists a VM it created
 * before its HTTP answer goes out), and that cannot await in between.
 */
export function writeFileDurablySync(path: string, text: string, mode = 0o600): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'wx', mode);
  try {
    writeFileSync(fd, text, 'utf8');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // Already closed (the rename failed).
    }
    rmSync(temp, { force: true });
    throw err;
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } catch (err) {
    if (!isUnsyncableDirectory(err)) throw err;
  } finally {
    closeSync(dirFd);
  }
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** A few file systems cannot fsync a directory; the rename is as durable as they make it. */
function isUnsyncableDirectory(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'EINVAL';
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    if (!isUnsyncableDirectory(err)) throw err;
  } finally {
    await handle.close();
  }
}
