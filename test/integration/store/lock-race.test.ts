import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { STALE_AFTER_MS } from '../../../src/store/lock.js';

const LOCK_MODULE = fileURLToPath(new URL('../../../dist/src/store/lock.js', import.meta.url));

/**
 * A process that imports lockDataDir, waits for "go" on stdin, tries the lock once and prints
 * what happened; a winner holds the lock until its stdin closes (so the loser tries while it is
 * held), then releases it. `heartbeatMs` makes the heartbeat fast for the loss test.
 */
const CONTENDER = `
const { lockDataDir } = await import(process.argv[1]);
const [dir, heartbeatMs] = [process.argv[2], Number(process.argv[3])];
const lines = (await import('node:readline')).createInterface({ input: process.stdin });
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
say({ ready: true });
let lock = null;
lines.on('line', async (line) => {
  if (line !== 'go') return;
  try {
    lock = await lockDataDir(dir, undefined, undefined, heartbeatMs ? { heartbeatMs } : {});
    say({ won: true, tookOverStale: lock.tookOverStale });
  } catch (err) {
    say({ won: false, error: err.name, message: err.message });
  }
});
lines.on('close', async () => { await lock?.release(); process.exit(0); });
`;

interface Contender {
  child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; stderr: string }>;
}

function contender(dir: string, heartbeatMs = 0): Contender {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, LOCK_MODULE, dir, String(heartbeatMs)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const queue: Record<string, unknown>[] = [];
  const waiters: ((v: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const value = JSON.parse(line) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(value);
    else queue.push(value);
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return { child, exited, next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiters.push(resolve))) };
}

/** A lock left by a clusterops on a host that is gone, not refreshed for longer than the stale limit. */
function staleLock(dir: string): void {
  const path = join(dir, 'clusterops.lock');
  writeFileSync(path, JSON.stringify({ pid: 1, host: 'gone-host', startedAt: '2026-01-01T00:00:00.000Z' }));
  const t = new Date(Date.now() - STALE_AFTER_MS - 60_000);
  utimesSync(path, t, t);
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the data-directory lock across real processes', () => {
  it('two processes started together on a stale lock: exactly one takes it, in each of 20 trials', async () => {
    const winners: number[] = [];
    for (let trial = 0; trial < 20; trial++) {
      const dir = mkdtempSync(join(tmpdir(), 'clusterops-race-'));
      dirs.push(dir);
      staleLock(dir);
      const pair = [contender(dir), contender(dir)];
      await Promise.all(pair.map((c) => c.next()));
      pair.forEach((c) => c.child.stdin!.write('go\n'));
      const results = await Promise.all(pair.map((c) => c.next()));
      pair.forEach((c) => c.child.stdin!.end());
      await Promise.all(pair.map((c) => c.exited));
      // Released by the winner; no candidate, swap or takeover file left behind.
      expect(readdirSync(dir)).toEqual([]);
      winners.push(results.filter((r) => r.won === true).length);
      for (const r of results) if (r.won !== true) expect(r.error).toBe('DataDirLockedError');
    }
    expect(winners).toEqual(Array.from({ length: 20 }, () => 1));
  }, 120_000);

  it('a holder whose lock was taken from it exits at its next heartbeat, saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterops-race-'));
    dirs.push(dir);
    const holder = contender(dir, 50);
    await holder.next();
    holder.child.stdin!.write('go\n');
    expect(await holder.next()).toMatchObject({ won: true });

    // Another process took the lock over (a takeover that judged this one stale).
    writeFileSync(join(dir, 'clusterops.lock'), JSON.stringify({ pid: 4242, host: 'other-host', startedAt: '2026-01-01T00:00:00.000Z', token: 'theirs' }));

    const { code, stderr } = await holder.exited;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/lost the lock .*clusterops\.lock.*pid 4242 on other-host.*exiting/);
  }, 60_000);
});
