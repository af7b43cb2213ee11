import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
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
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // A few file systems cannot fsync a directory; the rename is as durable as they make it.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}
