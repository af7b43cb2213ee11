import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir, STALE_AFTER_MS } from '../../../src/store/lock.js';

const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'clusterops-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A lock file as another process left it, refreshed `ageMs` ago. */
function leftBehind(dir: string, owner: { pid: number; host: string }, ageMs: number): void {
  const path = join(dir, 'clusterops.lock');
  writeFileSync(path, JSON.stringify({ ...owner, startedAt: '2026-01-01T00:00:00.000Z' }));
  const t = new Date(Date.now() - ageMs);
  utimesSync(path, t, t);
}

describe('the data-directory lock', () => {
  it('one holder at a time; released, it can be taken again', async () => {
    const dir = dataDir();
    const first = await lockDataDir(dir);
    expect(first.tookOverStale).toBe(false);
    expect(JSON.parse(readFileSync(first.path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    // Another live clusterops on this host holds it (the lock file says pid 4242, and 4242 runs).
    leftBehind(dir, { pid: 4242, host: hostname() }, 0);
    await expect(lockDataDir(dir, () => true)).rejects.toThrow(new DataDirLockedError(`data directory ${dir} is in use by clusterops pid 4242 on ${hostname()} (since 2026-01-01T00:00:00.000Z); stop it first or use another --data-dir`));
    await first.release();
  });

  it('takes over a lock whose process is gone (same host, pid not running)', async () => {
    const dir = dataDir();
    leftBehind(dir, { pid: 999_999, host: hostname() }, 0);
    // What a process killed while taking the lock leaves: an old candidate file, and a new one of a contender starting now.
    const litter = join(dir, 'clusterops.lock.0a1b2c3d4e5f607182.new');
    const contender = join(dir, 'clusterops.lock.ffeeddccbbaa998877.new');
    writeFileSync(litter, '{}');
    writeFileSync(contender, '{}');
    const old = new Date(Date.now() - STALE_AFTER_MS - 5_000);
    utimesSync(litter, old, old);
    const lock = await lockDataDir(dir, () => false);
    expect(lock.tookOverStale).toBe(true);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    expect(readdirSync(dir).sort()).toEqual(['clusterops.lock', 'clusterops.lock.ffeeddccbbaa998877.new']);
    await lock.release();
  });

  it('refuses a fresh lock from another host, and takes it over once it is no longer refreshed', async () => {
    const dir = dataDir();
    leftBehind(dir, { pid: 1, host: 'old-container' }, 5_000);
    await expect(lockDataDir(dir, () => false)).rejects.toThrow(/in use by clusterops pid 1 on old-container .* the lock is taken over once it is 60 s old/);
    leftBehind(dir, { pid: 1, host: 'old-container' }, STALE_AFTER_MS + 5_000);
    const lock = await lockDataDir(dir, () => true);
    expect(lock.tookOverStale).toBe(true);
    await lock.release();
  });

  it('an empty or unreadable lock file is not stale until it is old; then it is replaced, and release leaves a successor alone', async () => {
    const dir = dataDir();
    const path = join(dir, 'clusterops.lock');
    for (const garbage of ['', 'not json']) {
      writeFileSync(path, garbage);
      await expect(lockDataDir(dir)).rejects.toThrow(/is locked by .*clusterops\.lock, which is not a readable clusterops lock .* taken over once it is 60 s old/);
      expect(readFileSync(path, 'utf8')).toBe(garbage);
    }
    const old = new Date(Date.now() - STALE_AFTER_MS - 5_000);
    utimesSync(path, old, old);
    const lock = await lockDataDir(dir);
    expect(lock.tookOverStale).toBe(true);
    leftBehind(dir, { pid: 4242, host: 'someone-else' }, 0);
    await lock.release();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: 4242 });
    expect(readdirSync(dir)).toEqual(['clusterops.lock']);
  });
});
