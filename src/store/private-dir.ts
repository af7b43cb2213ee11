import { chmod, mkdir, stat } from 'node:fs/promises';

/** What `ensurePrivateDir` found: already 0700 (or just made), tightened, or someone else's (left as is). */
export type PrivateDirOutcome = 'private' | 'tightened' | 'not-owner';

/**
 * Creates `dir` (and missing parents) readable only by this user, and tightens it to 0700 when it
 * already exists more open: the data directory holds the store, token hashes, the SSH key and the
 * clone. Parents that already exist are left as they are (they may be shared, e.g. a volume's
 * root). A directory owned by another user (a Kubernetes volume with `fsGroup`) cannot be
 * tightened: that is reported, not thrown, so such a deployment still starts.
 */
export async function ensurePrivateDir(dir: string): Promise<PrivateDirOutcome> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (((await stat(dir)).mode & 0o077) === 0) return 'private';
  try {
    await chmod(dir, 0o700);
    return 'tightened';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return 'not-owner';
    throw err;
  }
}
