import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';

describe('status faults over HTTP', () => {
  let sim: SimCloud;
  beforeAll(async () => {
    sim = await startSimCloud();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('a status fault with retryAfterS answers in the provider’s error shape with Retry-After; without it, no Retry-After', async () => {
    const get = () => fetch(`${sim.endpoints().digitalocean}/droplets`, { headers: { authorization: `Bearer ${sim.credentials.digitalocean.token}` } });
    sim.emulators.digitalocean.faults.add({ kind: 'status', status: 429, retryAfterS: 3, operation: 'droplets.list' });
    const limited = await get();
    expect([limited.status, limited.headers.get('retry-after'), ((await limited.json()) as { id: string }).id]).toEqual([429, '3', 'too_many_requests']);
    sim.emulators.digitalocean.faults.add({ kind: 'status', status: 503, operation: 'droplets.list' });
    const unavailable = await get();
    expect([unavailable.status, unavailable.headers.get('retry-after')]).toEqual([503, null]);
    expect((await get()).status).toBe(200);
  });
});
