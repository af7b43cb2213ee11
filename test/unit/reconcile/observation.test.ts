import { describe, expect, it } from 'vitest';
import type { ObservedVm, ProviderAdapter } from '../../../src/providers/types.js';
import { createObservationCache } from '../../../src/reconcile/observation.js';

/** A provider whose `observe` counts its listings; time is a number the test moves. */
function world() {
  let listings = 0;
  const clock = { now: 1_000_000 };
  const adapter: ProviderAdapter = {
    provider: 'hetzner',
    observe: async () => {
      listings++;
      return [] as ObservedVm[];
    },
    create: async () => {
      throw new Error('not in these tests');
    },
    delete: async () => undefined,
    get: async () => null,
  };
  const cache = createObservationCache({ hetzner: adapter }, () => clock.now);
  cache.setRegions({ hetzner: ['nbg1'] });
  return { cache, clock, listings: () => listings };
}

describe('the shared provider listing', () => {
  it('serves every pass of one batch from one listing, however long the batch takes', async () => {
    const w = world();
    w.cache.requested(['a', 'b', 'c'], w.clock.now);
    await w.cache.vms('hetzner', 1_000, 'a');
    w.clock.now += 30_000;
    await w.cache.vms('hetzner', 1_000, 'b');
    await w.cache.vms('hetzner', 1_000, 'c');
    expect(w.listings()).toBe(1);
  });

  it('lists again for a pass nobody requested (a requeue) once the listing is older than the limit', async () => {
    const w = world();
    await w.cache.vms('hetzner', 1_000, 'a');
    w.clock.now += 999;
    await w.cache.vms('hetzner', 1_000, 'a');
    expect(w.listings()).toBe(1);
    w.clock.now += 2;
    await w.cache.vms('hetzner', 1_000, 'a');
    expect(w.listings()).toBe(2);
  });

  it('uses a request once: the same cluster’s next pass looks again', async () => {
    const w = world();
    w.cache.requested(['a'], w.clock.now);
    await w.cache.vms('hetzner', 1_000, 'a');
    w.clock.now += 5_000;
    await w.cache.vms('hetzner', 1_000, 'a');
    expect(w.listings()).toBe(2);
  });

  it('never serves a listing older than the request it answers, nor one taken before a write', async () => {
    const w = world();
    await w.cache.vms('hetzner', 1_000);
    w.clock.now += 5_000;
    w.cache.requested(['a'], w.clock.now);
    await w.cache.vms('hetzner', 1_000, 'a');
    expect(w.listings()).toBe(2);
    w.cache.requested(['b'], w.clock.now);
    w.cache.invalidate('hetzner');
    await w.cache.vms('hetzner', 1_000, 'b');
    expect(w.listings()).toBe(3);
  });
});
