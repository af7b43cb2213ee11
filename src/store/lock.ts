import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspectLock, linkIfAbsent, readOwner, removeLitter, replaceWith, touch, writeCandidate, type LockOwner, type LockSighting } from './lock-files.js';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

export interface DataDirLock {
  readonly path: string;
  /** True when the lock was left by a process that no longer runs (a crash) and was taken over. */
  readonly tookOverStale: boolean;
  release(): Promise<void>;
}

/** Test knobs and the reaction to a lost lock. */
export interface LockOptions {
  heartbeatMs?: number;
  /** Called once when a heartbeat finds the lock is no longer ours; default: say so on stderr and exit(1). */
  onLost?: (message: string) => void;
}

/** The holder touches the lock this often; a lock untouched for STALE_AFTER_MS is taken over from any host. */
export const HEARTBEAT_MS = 10_000;
export const STALE_AFTER_MS = 60_000;
/** A takeover holds `<lock>.takeover` for milliseconds; one this old was left by a crash mid-takeover. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * Takes `<dataDir>/clusterops.lock` so a second clusterops on the same data directory refuses to
 * start instead of corrupting the store (two writers of state.json, two reconcilers on one set of
 * VMs). The lock file appears whole (linked into place, never an empty file) and carries a random
 * token. A lock left by a process that died is taken over: on the same host when that pid no longer
 * runs or is our own (a container restarted as pid 1); from any host once it has not been
 * refreshed for STALE_AFTER_MS; an empty or unreadable lock only once that old. Takeovers are
 * serialised by `<lock>.takeover` (also linked into place) and re-check, while holding it, that the
 * lock is still the stale one they saw, so of several processes started together exactly one wins.
 * The heartbeat re-reads the lock each beat and, finding another token, ends the process.
 */
export async function lockDataDir(dataDir: string, isAlive: (pid: number) => boolean = processAlive, now: () => number = Date.now, options: LockOptions = {}): Promise<DataDirLock> {
  const path = join(dataDir, 'clusterops.lock');
  const me: LockOwner & { token: string } = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token: randomBytes(9).toString('hex') };
  const candidate = `${path}.${me.token}.new`;
  await writeCandidate(candidate, me);
  let tookOverStale: boolean;
  try {
    tookOverStale = await acquire({ dataDir, path, candidate, me, isAlive, now });
  } finally {
    await rm(candidate, { force: true });
  }
  await removeLitter(dataDir, STALE_AFTER_MS, now);
  return holding(path, me, tookOverStale, now, options);
}

interface Attempt {
  dataDir: string;
  path: string;
  candidate: string;
  me: LockOwner & { token: string };
  isAlive: (pid: number) => boolean;
  now: () => number;
}

async function acquire(a: Attempt): Promise<boolean> {
  let tookOverStale = false;
  for (let attempt = 0; attempt < 5; attempt++) {
    if ((await linkIfAbsent(a.candidate, a.path)) && (await isOurs(a.path, a.me.token))) return tookOverStale;
    const seen = await inspectLock(a.path, a.now);
    if (!seen) continue;
    if (!isStale(seen, a)) throw lockedError(a, seen);
    if (await takeOver(a, seen)) {
      tookOverStale = true;
      if (await isOurs(a.path, a.me.token)) return true;
    }
  }
  throw new DataDirLockedError(`could not take the lock ${a.path}: other processes keep taking it; is another clusterops starting on ${a.dataDir}?`);
}

function isStale(seen: LockSighting, a: Attempt): boolean {
  if (seen.ageMs > STALE_AFTER_MS) return true;
  // Empty or unreadable and recent: perhaps a writer of another version mid-write; not ours to take yet.
  if (!seen.owner) return false;
  return seen.owner.host === a.me.host && (seen.owner.pid === a.me.pid || !a.isAlive(seen.owner.pid));
}

/** Replaces the stale lock `seen` with ours, unless it changed meanwhile; false when someone else took over. */
async function takeOver(a: Attempt, seen: LockSighting): Promise<boolean> {
  const mutex = `${a.path}.takeover`;
  if (!(await takeMutex(a, mutex))) return false;
  try {
    const again = await inspectLock(a.path, a.now);
    if (!again) return linkIfAbsent(a.candidate, a.path);
    if (again.ino !== seen.ino || !isStale(again, a)) return false;
    await replaceWith(a.candidate, a.path, a.me.token);
    return true;
  } finally {
    if (await isOurs(mutex, a.me.token)) await rm(mutex, { force: true });
  }
}

/** Takes the takeover mutex; waits while another process holds it, then returns false (look again). */
async function takeMutex(a: Attempt, mutex: string): Promise<boolean> {
  for (let waited = 0; ; waited += 10) {
    if (await linkIfAbsent(a.candidate, mutex)) return true;
    const holder = await inspectLock(mutex, a.now);
    if (!holder) return false;
    const dead = holder.owner !== null && holder.owner.host === a.me.host && !a.isAlive(holder.owner.pid);
    if (dead || holder.ageMs > TAKEOVER_STALE_MS) {
      await replaceWith(a.candidate, mutex, a.me.token);
      return isOurs(mutex, a.me.token);
    }
    if (waited >= 2 * TAKEOVER_STALE_MS) return false;
    await sleep(10);
  }
}

async function isOurs(path: string, token: string): Promise<boolean> {
  return (await readOwner(path))?.token === token;
}

function lockedError(a: Attempt, seen: LockSighting): DataDirLockedError {
  const o = seen.owner;
  if (!o) {
    return new DataDirLockedError(`data directory ${a.dataDir} is locked by ${a.path}, which is not a readable clusterops lock (written ${Math.round(seen.ageMs / 1000)} s ago); it is taken over once it is ${STALE_AFTER_MS / 1000} s old, or remove it if no clusterops runs there`);
  }
  return new DataDirLockedError(
    `data directory ${a.dataDir} is in use by clusterops pid ${o.pid} on ${o.host} (since ${o.startedAt}); stop it first or use another --data-dir` +
      (o.host !== a.me.host ? ` (if that host is gone, the lock is taken over once it is ${STALE_AFTER_MS / 1000} s old)` : ''),
  );
}

function holding(path: string, me: LockOwner & { token: string }, tookOverStale: boolean, now: () => number, options: LockOptions): DataDirLock {
  const onLost = options.onLost ?? exitOnLost;
  let released = false;
  let busy = false;
  const beat = async () => {
    if (busy || released) return;
    busy = true;
    try {
      const owner = await readOwner(path);
      if (released) return;
      if (owner?.token !== me.token) {
        released = true;
        clearInterval(heartbeat);
        const holder = owner ? `clusterops pid ${owner.pid} on ${owner.host}` : 'nobody (the lock file is gone or unreadable)';
        onLost(`lost the lock ${path}: it is now held by ${holder}; exiting so that two clusterops never act on one data directory`);
        return;
      }
      await touch(path, now()).catch(() => undefined);
    } finally {
      busy = false;
    }
  };
  const heartbeat = setInterval(() => void beat(), options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  return {
    path,
    tookOverStale,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      if (await isOurs(path, me.token)) await rm(path, { force: true });
    },
  };
}

function exitOnLost(message: string): void {
  process.stderr.write(`clusterops: ${message}\n`);
  process.exit(1);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
