import { open, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../durable-file.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';
import { parseAccountsData } from './parse-accounts.js';
import { AccountsError, emptyAccountsData, type AccountsData } from './types.js';

/** Other auth files (the demo token) are written the same way. */

/** The accounts file's name inside the data directory. */
export const ACCOUNTS_FILE = 'accounts.json';

/**
 * Identifies one content of the file: inode, size and mtime (ns). Every write replaces the
 * file by rename, so a change by any process changes the signature. `null`: no file yet.
 */
export type FileSignature = string | null;

/** One read of the file, with the signature of exactly the content that was read. */
export interface AccountsSnapshot {
  data: AccountsData;
  signature: FileSignature;
}

/**
 * `<data-dir>/accounts.json` on disk. Several processes (the daemon, the CLI) may use it at
 * once; writers replace it atomically, so readers see the old or the new content, never a mix.
 */
export interface AccountsFile {
  readonly path: string;
  /** One `stat`: the current signature. Cheap enough to call on every request. */
  signature(): Promise<FileSignature>;
  /** Reads and validates the file; a missing file is empty. Throws AccountsError('Invalid'). */
  read(): Promise<AccountsSnapshot>;
  /** Replaces the file atomically (temp file + fsync + rename + directory fsync, mode 0600); returns the new signature. */
  write(data: AccountsData): Promise<FileSignature>;
  /**
   * Runs `fn` holding `<path>.lock`, excluding other processes' writers; wrap every
   * read-modify-write in it. Throws AccountsError('Conflict') if the lock stays taken.
   */
  lock<T>(fn: () => Promise<T>): Promise<T>;
}

/** The accounts file of a data directory. */
export function accountsFilePath(dataDir: string): string {
  return join(dataDir, ACCOUNTS_FILE);
}

/** An AccountsFile at `path`; the directory is created (mode 0700) on first write. */
export function createAccountsFile(path: string, lockOptions: FileLockOptions = {}): AccountsFile {
  return {
    path,
    signature: async () => {
      try {
        return signatureOf(await stat(path, { bigint: true }));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    read: () => readAccounts(path),
    write: async (data) => signatureOf(await writeFileDurably(path, `${JSON.stringify(data, null, 2)}\n`)),
    lock: (fn) => withFileLock(`${path}.lock`, fn, lockOptions),
  };
}

async function readAccounts(path: string): Promise<AccountsSnapshot> {
  const handle = await openIfExists(path);
  if (!handle) return { data: emptyAccountsData(), signature: null };
  try {
    // Stat and read through the same descriptor, so the signature belongs to this content.
    const signature = signatureOf(await handle.stat({ bigint: true }));
    const parsed = parseAccountsData(await handle.readFile('utf8'));
    if (!parsed.ok) throw new AccountsError('Invalid', `${path} is not a valid accounts file: ${parsed.message}`);
    return { data: parsed.value, signature };
  } finally {
    await handle.close();
  }
}

async function openIfExists(path: string) {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function signatureOf(stats: BigIntStats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}
