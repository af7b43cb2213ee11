import { hostname } from 'node:os';
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

/** Who holds a data directory. */
interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

export interface DataDirLock {
  readonly path: string;
  /** True when the lock was left by a process that no longer runs (a crash) and was taken over. */
  readonly tookOverStale: boolean;
  release(): Promise<void>;
}

/** The holder touches the lock this often; a lock untouched for STALE_AFTER_MS is taken over from any host. */
export const HEARTBEAT_MS = 10_000;
export const STALE_AFTER_MS = 60_000;

/**
 * Takes `<dataDir>/clusterops.lock` so a second clusterops on the same data directory refuses to
 * start instead of corrupting the store (two writers of state.json, two reconcilers on one set of
 * VMs). The holder refreshes the lock's time every HEARTBEAT_MS. A lock left by a process that
 * died (SIGKILL, power loss) is taken over: on the same host when that pid no longer runs or is
 * our own (a container restarted as pid 1); from any host (a recreated container has a new host
 * name) once it has not been refreshed for STALE_AFTER_MS.
 */
export async function lockDataDir(dataDir: string, isAlive: (pid: number) => boolean = processAlive, now: () => number = Date.now): Promise<DataDirLock> {
  const path = join(dataDir, 'clusterops.lock');
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  let tookOverStale = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.close();
      let released = false;
      const heartbeat = setInterval(() => {
        const t = new Date(now());
        utimes(path, t, t).catch(() => undefined);
      }, HEARTBEAT_MS);
      heartbeat.unref();
      return {
        path,
        tookOverStale,
        release: async () => {
          if (released) return;
          released = true;
          clearInterval(heartbeat);
          const owner = await readOwner(path);
          if (owner?.pid === me.pid && owner.startedAt === me.startedAt) await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(path);
    const ageMs = await stat(path).then((s) => now() - s.mtimeMs, () => Infinity);
    const stale = owner === null || ageMs > STALE_AFTER_MS || (owner.host === me.host && (owner.pid === me.pid || !isAlive(owner.pid)));
    if (!stale) {
      throw new DataDirLockedError(
        `data directory ${dataDir} is in use by clusterops pid ${owner.pid} on ${owner.host} (since ${owner.startedAt}); stop it first or use another --data-dir` +
          (owner.host !== me.host ? ` (if that host is gone, the lock is taken over once it is ${STALE_AFTER_MS / 1000} s old)` : ''),
      );
    }
    await rm(path, { force: true });
    tookOverStale = true;
  }
  throw new DataDirLockedError(`could not take the lock ${path}: another process keeps taking it`);
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt) } : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
