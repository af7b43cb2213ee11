import { createApiClient } from 'dots-wrapper';
import { describe, expect, it } from 'vitest';
import { lookupSize } from '../../../src/domain/catalogue/catalogue.js';
import { CallCounter } from '../../../src/providers/call-counter.js';
import { createDigitalOceanAdapter } from '../../../src/providers/digitalocean/index.js';
import { TAG } from '../../../src/providers/ownership.js';
import type { CreateVmRequest } from '../../../src/providers/types.js';
import type { TransientError } from '../../../src/reconcile/errors.js';
import { ManualClock } from '../../../src/sim/common/clock.js';
import type { RunningEmulator } from '../../../src/sim/common/types.js';
import { startDigitalOceanEmulator, type DigitalOceanEmulatorOptions } from '../../../src/sim/digitalocean/index.js';
import { closedAfterEach, OWNER } from './contract.js';

/**
 * DigitalOcean's limits and refusals (issue 16, items 5 and 7), real dots-wrapper against the
 * emulator over HTTP on a clock the test moves: the burst rate limit, the hourly one, a DELETE
 * while the create is pending, the droplet limit, ten creates at a time per account, the 404 of
 * a listing by a tag never used.
 */

const TOKEN = 'dop_v1_limits_0123456789abcdef';
const REGION = 'nyc3';
const SMALL = (() => {
  const found = lookupSize('digitalocean', REGION, 'small');
  if (!found.ok) throw new Error(found.message);
  return found.size.size;
})();

const kept = closedAfterEach();

async function world(options: Partial<DigitalOceanEmulatorOptions> = {}) {
  const clock = new ManualClock();
  const counter = new CallCounter();
  const e = kept(await startDigitalOceanEmulator({ credentials: [TOKEN], clock, ...options }));
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

const BOOT_MS = 30_000;
const limits = async (e: RunningEmulator, body?: Record<string, number>) => {
  const res = await fetch(e.endpoint.replace(/\/v2$/, '/__sim/limits'), body ? { method: 'PUT', body: JSON.stringify(body) } : {});
  expect(res.status).toBe(200);
  return (await res.json()) as { dropletLimit: number; concurrentCreateLimit: number; createsInProgressHighWater: number; refusedConcurrentCreates: number; refusedDropletLimit: number; refusedPendingEvent: number };
};
const createBody = (name: string) => ({ name, region: REGION, size: SMALL, image: 'ubuntu-24-04-x64' });

describe('DigitalOcean refusals and account limits (item 7)', () => {
  it('a DELETE while the droplet is still being created is refused as a pending event: transient, and it succeeds once the droplet is active', async () => {
    const { e, clock, adapter } = await world({ bootMs: BOOT_MS, deleteMs: 5_000 });
    const vm = await adapter.create(vmRequest());
    const busy = await adapter.delete(vm).catch((x: unknown) => x);
    expect(busy).toMatchObject({ name: 'TransientError', reason: 'ResourceBusy' });
    expect(e.vms()).toMatchObject([{ id: vm.providerId, status: 'new' }]);
    expect((await limits(e)).refusedPendingEvent).toBe(1);
    clock.advance(BOOT_MS);
    await adapter.delete(vm);
    expect(e.vms()).toMatchObject([{ id: vm.providerId, status: 'off' }]);
    clock.advance(5_000);
    expect(e.vms()).toEqual([]);
  });

  it('the droplet limit stalls the create with QuotaExceeded and says what to do; nothing is made until the limit is raised', async () => {
    const { e, adapter } = await world({ dropletLimit: 3 });
    expect((await (await fetch(`${e.endpoint}/account`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as unknown).toMatchObject({ account: { droplet_limit: 3 } });
    for (let i = 0; i < 3; i++) await adapter.create(vmRequest());
    const r = vmRequest();
    const err = await adapter.create(r).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'StalledError', reason: 'QuotaExceeded', message: expect.stringMatching(/will exceed your droplet limit.*raise the limit/) });
    expect(e.vms()).toHaveLength(3);
    expect(await limits(e, { dropletLimit: 4 })).toMatchObject({ dropletLimit: 4, refusedDropletLimit: 1 });
    await expect(adapter.create(r)).resolves.toMatchObject({ nodeId: r.nodeId });
    expect(e.vms()).toHaveLength(4);
  });

  it('twelve clusters creating at once never have more than ten droplets in creation, and none is refused', async () => {
    const { e, clock, adapter, counter } = await world({ bootMs: BOOT_MS, dropletLimit: 100 });
    const clusters = Array.from({ length: 12 }, (_, c) => [0, 1].map(() => vmRequest({ clusterId: `cluster_c${c}` })));
    let pending = clusters.flat();
    let rounds = 0;
    // A round is what the clusters' passes do at once; between rounds, the droplets boot.
    while (pending.length > 0 && rounds < 10) {
      rounds += 1;
      const results = await Promise.allSettled(pending.map((r) => adapter.create(r)));
      for (const x of results) if (x.status === 'rejected') expect(x.reason).toMatchObject({ name: 'TransientError', reason: 'CreateLimit' });
      pending = pending.filter((_, i) => results[i]!.status === 'rejected');
      clock.advance(BOOT_MS);
    }
    expect(rounds).toBe(3);
    const byNode = new Map<string, number>();
    for (const v of e.vms()) byNode.set(v.tags[TAG.node]!, (byNode.get(v.tags[TAG.node]!) ?? 0) + 1);
    expect([...byNode.values()]).toEqual(Array(24).fill(1));
    expect(await limits(e)).toMatchObject({ createsInProgressHighWater: 10, refusedConcurrentCreates: 0 });
    expect(counter.count({ operation: 'droplets.create' })).toBe(24);
    // Counted at the emulator: a create refused for want of a slot makes no token listing of its
    // own; one listing per create that went out, and one shared refresh of the slots per round.
    expect(e.requests().operations['droplets.list']).toBe(24 + rounds);
  });

  it('creates another tool has in progress count too: DigitalOcean’s refusal of an eleventh is transient, and the create goes through once they are active', async () => {
    const { e, clock, adapter, other } = await world({ bootMs: BOOT_MS });
    for (let i = 0; i < 10; i++) await other.droplet.createDroplet(createBody(`other-${i}`));
    const refused = await other.droplet.createDroplet(createBody('other-10')).catch((x: { response: { status: number; data: unknown } }) => x.response);
    expect(refused).toMatchObject({ status: 422, data: { id: 'unprocessable_entity', message: "You can't create more than 10 Droplets at the same time." } });
    const r = vmRequest();
    await expect(adapter.create(r)).rejects.toMatchObject({ name: 'TransientError', reason: 'CreateLimit' });
    clock.advance(BOOT_MS);
    await expect(adapter.create(r)).resolves.toMatchObject({ nodeId: r.nodeId });
    expect(e.vms()).toHaveLength(11);
  });

  it('a listing by a tag no droplet ever carried is a 404 not_found, which the adapter reads as no droplets', async () => {
    const { e, adapter, counter } = await world();
    const raw = await fetch(`${e.endpoint}/droplets?tag_name=never-used`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect([raw.status, ((await raw.json()) as { id: string }).id]).toEqual([404, 'not_found']);
    await expect(adapter.observe([REGION])).resolves.toEqual([]);
    expect(counter.calls.map((c) => [c.operation, c.status])).toEqual([['droplets.list', 404]]);
    // A tag once used stays: after its droplet is gone, the listing is empty, not a 404.
    const vm = await adapter.create(vmRequest());
    await adapter.delete(vm);
    const after = await fetch(`${e.endpoint}/droplets?tag_name=${encodeURIComponent(`${TAG.owner}:${OWNER}`)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect([after.status, ((await after.json()) as { droplets: unknown[] }).droplets]).toEqual([200, []]);
  });
});
