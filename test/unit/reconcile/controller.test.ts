import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createController } from '../../../src/reconcile/controller.js';
import { StalledError, TransientError, WaitingError } from '../../../src/reconcile/errors.js';

describe('controller', () => {
  it('never runs one key twice at once, and reruns a key enqueued while it ran', async () => {
    let active = 0;
    let maxActive = 0;
    const runs: string[] = [];
    const c = createController({
      concurrency: 4,
      reconcile: async (key) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        runs.push(key);
        await sleep(20);
        active -= 1;
        return {};
      },
    });
    c.enqueue('a');
    await sleep(5);
    c.enqueue('a');
    c.enqueue('a');
    await c.idle();
    await sleep(30);
    await c.idle();
    expect(runs).toEqual(['a', 'a']);
    expect(maxActive).toBe(1);
  });

  it('runs different keys in parallel up to the concurrency bound', async () => {
    let active = 0;
    let maxActive = 0;
    const c = createController({
      concurrency: 3,
      reconcile: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(20);
        active -= 1;
        return {};
      },
    });
    for (let i = 0; i < 10; i++) c.enqueue(`k${i}`);
    await c.idle();
    expect(maxActive).toBe(3);
  });

  it('backs off on transient errors and succeeds later; requeues waiting keys', async () => {
    const attempts = new Map<string, number>();
    const c = createController({
      backoff: { baseMs: 5, maxMs: 20 },
      reconcile: async (key) => {
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (key === 't' && n < 3) throw new TransientError('RateLimited', 'slow down');
        if (key === 'w' && n < 2) throw new WaitingError('Booting', 'vm booting', 10);
        return {};
      },
    });
    c.enqueue('t');
    c.enqueue('w');
    await sleep(200);
    expect(attempts.get('t')).toBe(3);
    expect(attempts.get('w')).toBe(2);
  });

  it('starts the backoff over after a failing pass that still made progress', async () => {
    const times: Record<'stuck' | 'moving', number[]> = { stuck: [], moving: [] };
    const c = createController({
      backoff: { baseMs: 20, maxMs: 10_000 },
      random: () => 1,
      reconcile: async (key) => {
        const mine = times[key as 'stuck' | 'moving'];
        mine.push(performance.now());
        if (mine.length >= 5) return {};
        const err = new TransientError('ProviderUnavailable', 'HTTP 503');
        err.progressed = key === 'moving';
        throw err;
      },
    });
    c.enqueue('stuck');
    c.enqueue('moving');
    await sleep(600);
    const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]!);
    // Without progress: 20, 40, 80, 160 ms. With progress every time: 20 ms each.
    expect(times.stuck).toHaveLength(5);
    expect(gaps(times.stuck)[3]).toBeGreaterThanOrEqual(150);
    expect(times.moving).toHaveLength(5);
    expect(Math.max(...gaps(times.moving))).toBeLessThan(150);
    await c.stop();
  });

  it('does not retry a stalled key until its fingerprint changes', async () => {
    let fp = 'v1';
    let runs = 0;
    const c = createController({
      fingerprint: () => fp,
      reconcile: async () => {
        runs += 1;
        throw new StalledError('Unauthorized', 'bad token');
      },
    });
    c.enqueue('s');
    await c.idle();
    c.enqueue('s');
    c.enqueue('s');
    await c.idle();
    expect(runs).toBe(1);
    fp = 'v2';
    c.enqueue('s');
    await c.idle();
    expect(runs).toBe(2);
    // The periodic resync retries it even though nothing changed.
    c.enqueue('s', { retryStalled: true });
    await c.idle();
    expect(runs).toBe(3);
    c.enqueue('s');
    await c.idle();
    expect(runs).toBe(3);
  });

  it('stops taking work and waits for running passes', async () => {
    let finished = 0;
    const c = createController({
      concurrency: 1,
      reconcile: async () => {
        await sleep(30);
        finished += 1;
        return { requeueAfterMs: 5 };
      },
    });
    c.enqueue('a');
    c.enqueue('b');
    await sleep(5);
    await c.stop();
    expect(finished).toBe(1);
    await sleep(50);
    expect(finished).toBe(1);
  });
});
