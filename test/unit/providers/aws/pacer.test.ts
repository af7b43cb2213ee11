import { describe, expect, it } from 'vitest';
import { RequestPacer } from '../../../../src/providers/aws/pacer.js';

describe('RequestPacer (EC2 request buckets, on our side of the wire)', () => {
  it('lets a bucket’s capacity (less one spare) through at once, then one call per refill interval (10% slower), per action', async () => {
    let now = 0;
    const waits: number[] = [];
    const pacer = new RequestPacer(
      () => now,
      async (ms) => {
        waits.push(ms);
        now += ms;
      },
    );
    for (let i = 0; i < 4; i++) await pacer.take('RunInstances');
    expect([now, waits]).toEqual([0, []]);
    await pacer.take('RunInstances');
    // RunInstances refills 2 a second (1.8 here): the fifth waits a little over half a second.
    expect([now, waits]).toEqual([556, [556]]);
    // Another action has its own bucket.
    await pacer.take('DescribeInstances');
    expect(now).toBe(556);
    now += 2_000;
    for (let i = 0; i < 3; i++) await pacer.take('RunInstances');
    expect(now).toBe(2_556);
  });
});
