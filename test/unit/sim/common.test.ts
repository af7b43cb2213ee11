import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../../src/sim/common/faults.js';
import { IpPool } from '../../../src/sim/common/ip-pool.js';

describe('FaultInjector', () => {
  it('fails the next N matching calls, then stops', () => {
    const f = new FaultInjector();
    f.add({ kind: 'status', status: 429, operation: 'create', times: 2 });
    expect(f.take('list')).toBeUndefined();
    expect(f.take('create')?.status).toBe(429);
    expect(f.take('create')?.status).toBe(429);
    expect(f.take('create')).toBeUndefined();
    expect(f.list()).toEqual([]);
  });

  it('defaults to one failure, and applies a probability for as long as the rule lives', () => {
    const f = new FaultInjector(() => 0.3);
    f.add({ kind: 'drop' });
    expect(f.take('x')?.kind).toBe('drop');
    expect(f.take('x')).toBeUndefined();
    f.add({ kind: 'timeout', probability: 0.5 });
    f.add({ kind: 'drop', probability: 0.2 });
    for (let i = 0; i < 5; i++) expect(f.take('x')?.kind).toBe('timeout');
  });

  it.each([
    [{ kind: 'explode' }, 'fault kind must be one of'],
    [{ kind: 'status' }, 'a status fault needs status: 400–599'],
    [{ kind: 'status', status: 200 }, 'a status fault needs status: 400–599'],
    [{ kind: 'drop', probability: 2 }, 'probability must be between 0 and 1'],
    [{ kind: 'drop', code: 'locked' }, 'code (lower-case letters and _) goes with a status fault'],
    [{ kind: 'status', status: 423, code: 'Locked!' }, 'code (lower-case letters and _) goes with a status fault'],
    [{ kind: 'drop', times: 0 }, 'times must be an integer ≥ 1'],
    [{ kind: 'drop', retryAfterS: 1 }, 'retryAfterS (an integer ≥ 0) goes with a status fault'],
    [{ kind: 'status', status: 429, retryAfterS: 0.5 }, 'retryAfterS (an integer ≥ 0) goes with a status fault'],
  ])('refuses %j', (rule, message) => {
    const f = new FaultInjector();
    expect(() => f.add(rule as never)).toThrow(message);
    expect(f.list()).toEqual([]);
  });
});

describe('IpPool', () => {
  it('hands out distinct host addresses from never-routed ranges', () => {
    const pool = new IpPool(['203.0.113.0/24', '198.51.100.0/24']);
    const ips = Array.from({ length: 300 }, () => pool.allocate());
    expect(new Set(ips).size).toBe(300);
    expect(ips[0]).toBe('203.0.113.10');
    expect(ips.every((ip) => /^(203\.0\.113|198\.51\.100)\.(\d+)$/.test(ip) && !/\.(0|255)$/.test(ip))).toBe(true);
  });

  it('hands released addresses out again first, oldest first, as clouds do (a live one never twice)', () => {
    const pool = new IpPool(['203.0.113.0/24']);
    const [a, b, c] = [pool.allocate(), pool.allocate(), pool.allocate()];
    pool.release(b);
    pool.release(a);
    pool.release(a);
    expect([pool.allocate(), pool.allocate(), pool.allocate()]).toEqual([b, a, '203.0.113.13']);
    expect(c).toBe('203.0.113.12');
    const saved = pool.snapshot();
    pool.release(c);
    const again = new IpPool();
    again.restore({ ...pool.snapshot() });
    expect(again.allocate()).toBe(c);
    expect(saved.freed).toEqual([]);
  });

  it('with reuse off, never hands an address out twice', () => {
    const pool = new IpPool(['203.0.113.0/24'], { reuse: false });
    const a = pool.allocate();
    pool.release(a);
    expect(pool.allocate()).not.toBe(a);
  });

  it('says so when exhausted', () => {
    const pool = new IpPool(['192.0.2.0/28']);
    expect(() => Array.from({ length: 20 }, () => pool.allocate())).toThrow('simulated IP pool exhausted');
  });
});
