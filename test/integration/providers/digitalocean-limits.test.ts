import { createApiClient } from 'dots-wrapper';
import { afterEach, describe, expect, it } from 'vitest';
import { lookupSize } from '../../../src/domain/catalogue/catalogue.js';
import { CallCounter } from '../../../src/providers/call-counter.js';
import { createDigitalOceanAdapter } from '../../../src/providers/digitalocean/index.js';
import type { CreateVmRequest } from '../../../src/providers/types.js';
import type { TransientError } from '../../../src/reconcile/errors.js';
import { ManualClock } from '../../../src/sim/common/clock.js';
import type { RunningEmulator } from '../../../src/sim/common/types.js';
import { startDigitalOceanEmulator, type DigitalOceanEmulatorOptions } from '../../../src/sim/digitalocean/index.js';
import { OWNER } from './contract.js';

/**
 * DigitalOcean's limits and refusals (issue 16, items 5 and 7), real dots-wrapper against the
 * emulator over HTTP on a clock the test moves: the burst rate limit, the hourly one.
 */

const TOKEN = 'dop_v1_limits_0123456789abcdef';
const REGION = 'nyc3';
const SMALL = (() => {
  const found = lookupSize('digitalocean', REGION, 'small');
  if (!found.ok) throw new Error(found.message);
  return found.size.size;
})();

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function world(options: Partial<DigitalOceanEmulatorOptions> = {}) {
  const clock = new ManualClock();
  const counter = new CallCounter();
  const e = await startDigitalOceanEmulator({ credentials: [TOKEN], clock, ...options });
  emulator = e;
  const adapter = createDigitalOceanAdapter({ token: TOKEN, ownerId: OWNER, endpoint: e.endpoint, recorder: counter, now: () => clock.now(), rateLimitReserve: 0 });
  // Another process on the same token (a second tool, a person's script): it spends the limits too.
  const other = createApiClient({ token: TOKEN, endpoint: e.endpoint });
  return { e, clock, counter, adapter, other };
}

async function simState(e: RunningEmulator): Promise<{ rateLimits: { usedLastHour: number; usedLastMinute: number; rejected: number }[] }> {
  return (await (await fetch(e.endpoint.replace(/\/v2$/, '/__sim/state'))).json()) as never;
}

let seq = 0;
function vmRequest(over: Partial<CreateVmRequest> = {}): CreateVmRequest {
  seq += 1;
  return {
    region: REGION,
    clusterId: 'cluster_limits',
    clusterName: 'limits',
    nodeId: `node_${String(seq).padStart(3, '0')}`,
    role: 'worker',
    plan: 'small',
    size: SMALL,
    requestToken: `tok-limits-${seq}`,
    ...over,
  };
}

describe('DigitalOcean rate limits (item 5)', () => {
  it('a burst 429 (ratelimit-remaining 0 with retry-after) holds calls back for the retry-after seconds, not until ratelimit-reset', async () => {
    const { e, clock, adapter, other } = await world({ rateLimitScale: 0.02 }); // 100/h, 5/min
    for (let i = 0; i < 5; i++) await other.droplet.listDroplets({});
    const refused = (await adapter.observe([REGION]).catch((x: unknown) => x)) as TransientError;
    expect(refused).toMatchObject({ name: 'TransientError', reason: 'RateLimited', retryAfterMs: 60_000 });
    // Within the minute nothing goes out; once it has passed, calls do, although the refusal said remaining 0.
    clock.advance(30_000);
    await expect(adapter.observe([REGION])).rejects.toMatchObject({ reason: 'RateLimited', retryAfterMs: 30_000 });
    expect((await simState(e)).rateLimits).toMatchObject([{ usedLastHour: 5, rejected: 1 }]);
    clock.advance(30_000);
    await expect(adapter.observe([REGION])).resolves.toEqual([]);
    const r = vmRequest();
    await expect(adapter.create(r)).resolves.toMatchObject({ nodeId: r.nodeId });
    expect((await simState(e)).rateLimits).toMatchObject([{ rejected: 1 }]);
  });

  it('a 429 without retry-after is the hour spent: calls wait for ratelimit-reset', async () => {
    const { e, clock, adapter, other } = await world({ rateLimitScale: 0.002 }); // 10/h, 1/min
    const first = clock.now();
    for (let i = 0; i < 10; i++) {
      await other.droplet.listDroplets({});
      clock.advance(61_000);
    }
    const refused = (await adapter.observe([REGION]).catch((x: unknown) => x)) as TransientError;
    expect(refused).toMatchObject({ name: 'TransientError', reason: 'RateLimited' });
    const reset = Math.ceil((first + 3_600_000) / 1000) * 1000;
    expect(refused.retryAfterMs).toBe(reset - clock.now());
    clock.advance(120_000);
    await expect(adapter.observe([REGION])).rejects.toMatchObject({ reason: 'RateLimited' });
    expect((await simState(e)).rateLimits).toMatchObject([{ usedLastHour: 10, rejected: 1 }]);
    clock.advance(reset - clock.now());
    await expect(adapter.observe([REGION])).resolves.toEqual([]);
  });
});
