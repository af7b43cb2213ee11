import { createApiClient } from 'dots-wrapper';
import { afterEach, describe, expect, it } from 'vitest';
import { lookupSize } from '../../../src/domain/catalogue/catalogue.js';
import type { PlanName } from '../../../src/domain/manifest/types.js';
import { CallCounter } from '../../../src/providers/call-counter.js';
import { userDataWithKey } from '../../../src/providers/digitalocean/droplets.js';
import { createDigitalOceanAdapter } from '../../../src/providers/digitalocean/index.js';
import { TAG, vmName } from '../../../src/providers/ownership.js';
import { StalledError, TransientError } from '../../../src/reconcile/errors.js';
import { ManualClock } from '../../../src/sim/common/clock.js';
import type { CreateVmRequest } from '../../../src/providers/types.js';
import type { RunningEmulator, SimVmView } from '../../../src/sim/common/types.js';
import { startDigitalOceanEmulator } from '../../../src/sim/digitalocean/index.js';
import { describeProviderContract, OWNER, type ContractHarness } from './contract.js';

const TOKEN = 'dop_v1_test_0123456789abcdef';
const BOOT_MS = 30_000;
const REGION = 'nyc3';

const size = (plan: PlanName): string => {
  const found = lookupSize('digitalocean', REGION, plan);
  if (!found.ok) throw new Error(found.message);
  return found.size.size;
};

/** Real dots-wrapper ⇄ emulator over loopback, on a clock the test moves (boot 30 s, delete 5 s). */
async function makeHarness(): Promise<ContractHarness> {
  const clock = new ManualClock();
  const emulator = await startDigitalOceanEmulator({ credentials: [TOKEN], clock, bootMs: BOOT_MS, deleteMs: 5_000 });
  const counter = new CallCounter();
  return {
    provider: 'digitalocean',
    emulator,
    region: REGION,
    otherRegion: 'fra1',
    counter,
    adapter: (o = {}) =>
      createDigitalOceanAdapter({
        token: o.credential ?? TOKEN,
        ownerId: o.ownerId ?? OWNER,
        endpoint: emulator.endpoint,
        recorder: counter,
        now: () => clock.now(),
        ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      }),
    size,
    ops: { create: 'droplets.create', list: 'droplets.list', delete: 'droplets.delete' },
    listCallsFor: (n) => Math.max(1, Math.ceil(n / 200)),
    settle: async () => clock.advance(60_000),
    close: () => emulator.close(),
  };
}

describeProviderContract('digitalocean', makeHarness);

const ownedTags = (i: number): Record<string, string> => ({
  [TAG.owner]: OWNER,
  [TAG.cluster]: 'cluster_do1',
  [TAG.node]: `node_${String(i).padStart(3, '0')}`,
  [TAG.role]: 'worker',
  [TAG.plan]: 'small',
});

const vmRequest = (over: Partial<CreateVmRequest> = {}): CreateVmRequest => ({
  region: REGION,
  clusterId: 'cluster_do1',
  clusterName: 'do',
  nodeId: 'node_042',
  role: 'manager',
  plan: 'small',
  size: size('small'),
  requestToken: 'tok-do-1',
  ...over,
});

interface Failure {
  response: { status: number; data: Record<string, unknown>; headers: Record<string, string> };
}

/** The AxiosError dots-wrapper rejects with. */
async function failureOf(p: Promise<unknown>): Promise<Failure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ isAxiosError: true });
  return err as Failure;
}

async function simState(emulator: RunningEmulator): Promise<{ rateLimits: { usedLastHour: number; rejected: number }[] }> {
  const res = await fetch(emulator.endpoint.replace(/\/v2$/, '/__sim/state'));
  return (await res.json()) as { rateLimits: { usedLastHour: number; rejected: number }[] };
}

describe('DigitalOcean emulator, as dots-wrapper sees it', () => {
  let emulator: RunningEmulator;
  const clock = new ManualClock();
  const start = async (over: { rateLimitScale?: number; hooks?: { created?(v: SimVmView): void; deleted?(v: SimVmView): void } } = {}) => {
    emulator = await startDigitalOceanEmulator({ credentials: [TOKEN], clock, bootMs: BOOT_MS, deleteMs: 5_000, ...over });
    return createApiClient({ token: TOKEN, endpoint: emulator.endpoint });
  };
  afterEach(() => emulator.close());

  it('creates: 202 with links.actions; new without networks, then active with a public IPv4', async () => {
    const created: string[] = [];
    const deleted: string[] = [];
    const dots = await start({ hooks: { created: (v) => created.push(v.id), deleted: (v) => deleted.push(v.id) } });
    const res = await dots.droplet.createDroplet({ name: 'web-1', region: REGION, size: size('small'), image: 'ubuntu-24-04-x64', tags: ['env:prod', 'app'] });
    expect(res.status).toBe(202);
    const { droplet, links } = res.data as typeof res.data & { links: { actions: { id: number; rel: string; href: string }[] } };
    expect(droplet).toMatchObject({ name: 'web-1', status: 'new', size_slug: size('small'), region: { slug: REGION }, tags: ['env:prod', 'app'], networks: { v4: [], v6: [] } });
    expect(links.actions).toEqual([{ id: expect.any(Number), rel: 'create', href: `${emulator.endpoint}/actions/${links.actions[0]!.id}` }]);
    expect((await dots.action.getAction({ action_id: links.actions[0]!.id })).data.action).toMatchObject({ status: 'in-progress', type: 'create', resource_id: droplet.id });
    expect(emulator.vms()).toMatchObject([{ id: String(droplet.id), status: 'new', tags: { env: 'prod' } }]);

    clock.advance(BOOT_MS);
    const active = (await dots.droplet.getDroplet({ droplet_id: droplet.id })).data.droplet;
    expect(active.status).toBe('active');
    expect(active.networks.v4.find((n) => n.type === 'public')?.ip_address).toBe(emulator.vms()[0]!.ip);
    expect((await dots.droplet.listDropletActions({ droplet_id: droplet.id })).data.actions).toMatchObject([{ status: 'completed' }]);

    expect((await dots.droplet.deleteDroplet({ droplet_id: droplet.id })).status).toBe(204);
    expect(emulator.vms()).toHaveLength(1);
    clock.advance(5_000);
    expect(emulator.vms()).toEqual([]);
    expect([created, deleted]).toEqual([[String(droplet.id)], [String(droplet.id)]]);
  });

  it('paginates with links.pages and meta.total, filtered by tag_name', async () => {
    const dots = await start();
    for (let i = 0; i < 60; i++) emulator.seedVm({ region: REGION, size: size('small'), name: `p-${i}`, tags: { env: 'test' } });
    for (let i = 0; i < 3; i++) emulator.seedVm({ region: REGION, size: size('small'), name: `other-${i}`, tags: { env: 'prod' } });
    const list = (page: number) => dots.droplet.listDroplets({ tag_name: 'env:test', page, per_page: 25 }).then((r) => r.data);
    const url = (page: number) => `${emulator.endpoint}/droplets?tag_name=env%3Atest&page=${page}&per_page=25`;
    const [p1, p2, p3] = await Promise.all([list(1), list(2), list(3)]);
    expect(p1.meta).toEqual({ total: 60 });
    expect(p1.links).toEqual({ pages: { next: url(2), last: url(3) } });
    expect(p2.links).toEqual({ pages: { first: url(1), prev: url(1), next: url(3), last: url(3) } });
    expect(p3.links).toEqual({ pages: { first: url(1), prev: url(2) } });
    const names = [...p1.droplets, ...p2.droplets, ...p3.droplets].map((d) => d.name);
    expect(names).toEqual(Array.from({ length: 60 }, (_, i) => `p-${i}`));
    expect((await dots.droplet.listDroplets({ tag_name: 'env:prod' })).data).toMatchObject({ meta: { total: 3 }, links: {} });
    const raw = await fetch(`${emulator.endpoint}/droplets`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await raw.json()) as { droplets: unknown[] }).droplets).toHaveLength(20);
  });

  it('allows duplicate names', async () => {
    const dots = await start();
    const body = { name: 'same', region: REGION, size: size('micro'), image: 'ubuntu-24-04-x64' };
    const [a, b] = await Promise.all([dots.droplet.createDroplet(body), dots.droplet.createDroplet(body)]);
    expect(a.data.droplet.id).not.toBe(b.data.droplet.id);
    expect(emulator.vms().map((v) => v.name)).toEqual(['same', 'same']);
  });

  it('answers errors as {id, message, request_id}: 404, 401, 422', async () => {
    const dots = await start();
    const notFound = await failureOf(dots.droplet.getDroplet({ droplet_id: 123 }));
    expect(notFound.response.status).toBe(404);
    expect(notFound.response.data).toEqual({ id: 'not_found', message: 'The resource you requested could not be found.', request_id: expect.any(String) });
    const stranger = createApiClient({ token: 'wrong', endpoint: emulator.endpoint });
    expect((await failureOf(stranger.droplet.listDroplets({}))).response).toMatchObject({ status: 401, data: { id: 'unauthorized' } });
    const bad = { name: 'x1', size: size('small'), image: 'ubuntu-24-04-x64' };
    for (const body of [{ ...bad, region: 'mars1' }, { ...bad, region: REGION, size: 'no-such-size' }, { ...bad, region: 'sfo1' }, { ...bad, region: REGION, name: '-bad_name' }]) {
      expect((await failureOf(dots.droplet.createDroplet(body))).response).toMatchObject({ status: 422, data: { id: 'unprocessable_entity' } });
    }
    expect(emulator.vms()).toEqual([]);
  });

  it('trips the burst limit with 429, retry-after and ratelimit-remaining 0 (as DigitalOcean does); the minute passing lifts it', async () => {
    const dots = await start({ rateLimitScale: 0.02 }); // 100/h, 5/min
    for (let i = 0; i < 5; i++) {
      const res = await dots.droplet.listDroplets({});
      expect(res.headers).toMatchObject({ 'ratelimit-limit': '100', 'ratelimit-remaining': String(99 - i) });
    }
    const refused = await failureOf(dots.droplet.listDroplets({}));
    expect(refused.response.status).toBe(429);
    expect(refused.response.data).toMatchObject({ id: 'too_many_requests' });
    expect(refused.response.headers).toMatchObject({ 'retry-after': '60', 'ratelimit-limit': '100', 'ratelimit-remaining': '0' });
    expect(Number(refused.response.headers['ratelimit-reset'])).toBe(Math.ceil((clock.now() + 3_600_000) / 1000));
    clock.advance(60_000);
    expect((await dots.droplet.listDroplets({})).status).toBe(200);
  });
});

describe('DigitalOcean adapter specifics', () => {
  let emulator: RunningEmulator;
  const clock = new ManualClock();
  afterEach(() => emulator.close());
  const adapterOn = async (rateLimitScale: number) => {
    emulator = await startDigitalOceanEmulator({ credentials: [TOKEN], clock, bootMs: BOOT_MS, rateLimitScale });
    return createDigitalOceanAdapter({ token: TOKEN, ownerId: OWNER, endpoint: emulator.endpoint, now: () => clock.now(), rateLimitReserve: 5 });
  };

  it('stops at the reserve of the hourly budget without a single 429, and resumes when the oldest request expires', async () => {
    const adapter = await adapterOn(0.01); // 50/h, 2/min
    const first = clock.now();
    const outcomes: (true | TransientError)[] = [];
    for (let i = 0; i < 60; i++) {
      outcomes.push(await adapter.observe([REGION]).then(() => true as const, (e: unknown) => e as TransientError));
      clock.advance(31_000);
    }
    expect(outcomes.filter((o) => o === true)).toHaveLength(45);
    expect(outcomes[45]).toMatchObject({ name: 'TransientError', reason: 'RateLimited', retryAfterMs: first + 3_600_000 - (first + 45 * 31_000) });
    expect(outcomes.slice(45).every((o) => o instanceof TransientError)).toBe(true);
    expect((await simState(emulator)).rateLimits).toMatchObject([{ usedLastHour: 45, rejected: 0 }]);
    clock.advance(first + 3_600_000 - clock.now());
    await expect(adapter.observe([REGION])).resolves.toEqual([]);
  });

  it('after a burst 429 it waits out retry-after instead of calling again', async () => {
    const adapter = await adapterOn(0.008); // 40/h, 2/min
    await adapter.observe([REGION]);
    await adapter.observe([REGION]);
    const first = await adapter.observe([REGION]).catch((e: unknown) => e as TransientError);
    expect(first).toMatchObject({ name: 'TransientError', reason: 'RateLimited', retryAfterMs: 60_000 });
    await expect(adapter.observe([REGION])).rejects.toMatchObject({ reason: 'RateLimited' });
    expect((await simState(emulator)).rateLimits).toMatchObject([{ usedLastHour: 2, rejected: 1 }]);
    clock.advance(60_000);
    await expect(adapter.observe([REGION])).resolves.toEqual([]);
  });

  it('follows links.pages across more than one page of 200', async () => {
    emulator = await startDigitalOceanEmulator({ credentials: [TOKEN], clock });
    const counter = new CallCounter();
    const adapter = createDigitalOceanAdapter({ token: TOKEN, ownerId: OWNER, endpoint: emulator.endpoint, recorder: counter, now: () => clock.now() });
    for (let i = 0; i < 450; i++) emulator.seedVm({ region: REGION, size: size('small'), name: `s-${i}`, tags: ownedTags(i) });
    emulator.seedVm({ region: 'fra1', size: size('small'), name: 'elsewhere', tags: ownedTags(999) });
    const seen = await adapter.observe([REGION]);
    expect(new Set(seen.map((v) => v.nodeId)).size).toBe(450);
    expect(counter.count({ operation: 'droplets.list' })).toBe(3);
  });

  it('refuses a bad request with the provider message and a clean cause', async () => {
    const adapter = await adapterOn(1);
    const err = (await adapter.create(vmRequest({ size: 'no-such-size' })).catch((e: unknown) => e)) as StalledError;
    expect(err).toBeInstanceOf(StalledError);
    expect(err).toMatchObject({ reason: 'InvalidRequest', message: expect.stringContaining('invalid size') });
    expect(err.cause).toMatchObject({ name: 'DigitalOceanApiError', status: 422, code: 'unprocessable_entity' });
    expect((err.cause as { config?: unknown }).config).toBeUndefined();
    expect(emulator.vms()).toEqual([]);
  });

  it('tags the droplet with every ownership tag (a token with dots included) and adopts it by token', async () => {
    const adapter = await adapterOn(1);
    const req = vmRequest({ requestToken: 'tok.with.dots' });
    const vm = await adapter.create(req);
    expect(vm).toMatchObject({ requestToken: 'tok.with.dots', nodeId: req.nodeId, status: 'provisioning' });
    expect((await adapter.create(req)).providerId).toBe(vm.providerId);
    expect(emulator.vms()).toMatchObject([
      { id: vm.providerId, name: vmName(req, OWNER), tags: { [TAG.owner]: OWNER, [TAG.cluster]: req.clusterId, [TAG.node]: req.nodeId, [TAG.role]: 'manager', [TAG.plan]: 'small' } },
    ]);
  });
});

describe('userDataWithKey', () => {
  const key = 'ssh-ed25519 AAAAC3Nz test@host';
  it.each([
    [undefined, '#cloud-config\nssh_authorized_keys:\n  - "ssh-ed25519 AAAAC3Nz test@host"\n'],
    ['#cloud-config\npackages: [jq]', '#cloud-config\npackages: [jq]\nssh_authorized_keys:\n  - "ssh-ed25519 AAAAC3Nz test@host"\n'],
  ])('adds the key to cloud-config user data %j', (userData, expected) => {
    expect(userDataWithKey({ userData, sshPublicKey: key })).toBe(expected);
  });

  it.each(['#!/bin/sh\necho hi', '#cloud-config\nssh_authorized_keys: []'])('refuses user data it cannot extend: %j', (userData) => {
    expect(() => userDataWithKey({ userData, sshPublicKey: key })).toThrow(StalledError);
  });
});
