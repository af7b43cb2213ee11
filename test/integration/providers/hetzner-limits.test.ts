import { describe, expect, it } from 'vitest';
import { createHetznerAdapter } from '../../../src/providers/hetzner/index.js';
import type { CreateVmRequest } from '../../../src/providers/types.js';
import { ManualClock } from '../../../src/sim/common/clock.js';
import type { RunningEmulator } from '../../../src/sim/common/types.js';
import { startHetznerEmulator, type HetznerEmulatorOptions } from '../../../src/sim/hetzner/index.js';
import { closedAfterEach, OWNER } from './contract.js';

/**
 * Hetzner's refusals (issue 16, item 7), the adapter on its fetch client against the emulator
 * over HTTP: a server type out of stock (`resource_unavailable`), a server locked by its running
 * create (`locked`), and name conflicts told by their code alone (`uniqueness_error`).
 */

const TOKEN = 'hz-limits-token-0123456789';
const BOOT_MS = 30_000;

const kept = closedAfterEach();

async function world(options: Partial<HetznerEmulatorOptions> = {}) {
  const clock = new ManualClock();
  const e = kept(await startHetznerEmulator({ credentials: [TOKEN], clock, ...options }));
  const adapter = createHetznerAdapter({ token: TOKEN, ownerId: OWNER, endpoint: e.endpoint, now: () => clock.now() });
  return { e, clock, adapter };
}

const admin = (e: RunningEmulator, path: string, body?: unknown) =>
  fetch(e.endpoint.replace(/\/v1$/, `/__sim/${path}`), body === undefined ? {} : { method: 'PUT', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));

const raw = (e: RunningEmulator, method: string, path: string, body?: unknown) =>
  fetch(`${e.endpoint}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));

let seq = 0;
function vmRequest(over: Partial<CreateVmRequest> = {}): CreateVmRequest {
  seq += 1;
  return { region: 'fsn1', clusterId: 'cluster_hzlimits', clusterName: 'hzlimits', nodeId: `node_${String(seq).padStart(3, '0')}`, role: 'worker', plan: 'small', size: 'cpx22', requestToken: `tok-hz-${seq}`, ...over };
}

describe('Hetzner out of stock: resource_unavailable', () => {
  it('answers 412 resource_unavailable in Hetzner’s error shape for a server type out of stock in a location, and only there', async () => {
    const { e } = await world({ unavailable: [{ serverType: 'cpx22', location: 'fsn1' }] });
    const body = { name: 'web-1', server_type: 'cpx22', location: 'fsn1', image: 'ubuntu-24.04' };
    expect(await raw(e, 'POST', '/servers', body)).toEqual({ status: 412, json: { error: { code: 'resource_unavailable', message: 'error during placement', details: null } } });
    expect((await raw(e, 'POST', '/servers', { ...body, location: 'nbg1' })).status).toBe(201);
    expect(await admin(e, 'unavailable')).toEqual({ status: 200, json: { unavailable: [{ serverType: 'cpx22', location: 'fsn1' }], refused: 1 } });
  });

  it('is a transient CapacityUnavailable, nothing is made, and the create succeeds once the type is back in stock', async () => {
    const { e, adapter } = await world();
    expect((await admin(e, 'unavailable', [{ serverType: 'cpx22', location: 'fsn1' }])).status).toBe(200);
    const r = vmRequest();
    const err = await adapter.create(r).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'TransientError', reason: 'CapacityUnavailable', message: expect.stringContaining('out of stock') });
    expect(e.vms()).toEqual([]);
    await admin(e, 'unavailable', []);
    await expect(adapter.create(r)).resolves.toMatchObject({ nodeId: r.nodeId, region: 'fsn1' });
    expect(e.vms()).toHaveLength(1);
  });

  it.each([422, 503])('is CapacityUnavailable whatever the status it comes with (%i)', async (status) => {
    const { e, adapter } = await world();
    e.faults.add({ kind: 'status', status, code: 'resource_unavailable', operation: 'servers.create' });
    await expect(adapter.create(vmRequest())).rejects.toMatchObject({ name: 'TransientError', reason: 'CapacityUnavailable' });
  });
});

describe('Hetzner locked and protected', () => {
  it('a DELETE while the create action runs is 423 locked: transient, and the delete goes through once the create is done', async () => {
    const { e, clock, adapter } = await world({ bootMs: BOOT_MS, deleteMs: 5_000 });
    const vm = await adapter.create(vmRequest());
    expect(await raw(e, 'DELETE', `/servers/${vm.providerId}`)).toMatchObject({ status: 423, json: { error: { code: 'locked', message: expect.stringContaining('create_server') } } });
    await expect(adapter.delete(vm)).rejects.toMatchObject({ name: 'TransientError', reason: 'ResourceBusy' });
    expect(e.vms()).toMatchObject([{ id: vm.providerId, status: 'initializing' }]);
    clock.advance(BOOT_MS / 2);
    await adapter.delete(vm);
    expect(e.vms()).toMatchObject([{ id: vm.providerId, status: 'deleting' }]);
  });

  it('423 protected (delete protection) stalls instead of retrying forever', async () => {
    const { e, adapter } = await world();
    const vm = await adapter.create(vmRequest());
    e.faults.add({ kind: 'status', status: 423, code: 'protected', operation: 'servers.delete' });
    await expect(adapter.delete(vm)).rejects.toMatchObject({ name: 'StalledError', reason: 'Protected' });
  });
});

describe('Hetzner name conflicts: uniqueness_error', () => {
  it('adopts the server on uniqueness_error by its code alone, whatever the status', async () => {
    const { e, adapter } = await world();
    const r = vmRequest();
    const first = await adapter.create(r);
    e.faults.add({ kind: 'status', status: 422, code: 'uniqueness_error', operation: 'servers.create' });
    await expect(adapter.create(r)).resolves.toMatchObject({ providerId: first.providerId, requestToken: r.requestToken });
    expect(e.vms()).toHaveLength(1);
  });
});
