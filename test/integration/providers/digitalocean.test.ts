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
import { describeProviderContract, OWNER, PUBLIC_KEY } from './contract.js';
import { describeSshKeyContract, type HeldKey, type SshKeyHarness } from './ssh-key-contract.js';

const TOKEN = 'dop_v1_test_0123456789abcdef';
const BOOT_MS = 30_000;
const REGION = 'nyc3';

const size = (plan: PlanName): string => {
  const found = lookupSize('digitalocean', REGION, plan);
  if (!found.ok) throw new Error(found.message);
  return found.size.size;
};

/** Real dots-wrapper ⇄ emulator over loopback, on a clock the test moves (boot 30 s, delete 5 s). */
async function makeHarness(): Promise<SshKeyHarness> {
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
        endpoint: o.endpoint ?? emulator.endpoint,
        recorder: counter,
        now: () => clock.now(),
        ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      }),
    size,
    ops: { create: 'droplets.create', list: 'droplets.list', delete: 'droplets.delete' },
    listCallsFor: (n) => Math.max(1, Math.ceil(n / 200)),
    settle: async () => clock.advance(60_000),
    close: () => emulator.close(),
    keyOps: { lookup: 'ssh_keys.get', create: 'ssh_keys.create' },
    heldKeys: async () => ((await simState(emulator)).sshKeys ?? []).map(({ id, name, fingerprint }) => ({ id, name, fingerprint })),
    registerKey: async (publicKey, name) => void (await createApiClient({ token: TOKEN, endpoint: emulator.endpoint }).sshKey.createSshKey({ name, public_key: publicKey })),
    deleteKey: async (id) => void (await createApiClient({ token: TOKEN, endpoint: emulator.endpoint }).sshKey.destroySshKey({ ssh_key_id: id })),
    isKeyLookup: (method, path) => method === 'GET' && path.startsWith('/v2/account/keys/'),
  };
}

describeProviderContract('digitalocean', makeHarness);
describeSshKeyContract('digitalocean', makeHarness);

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

interface SimState {
  rateLimits: { usedLastHour: number; rejected: number; keyListingsLastMinute: number; keyListingsRejected: number }[];
  sshKeys?: HeldKey[];
}

async function simState(emulator: RunningEmulator): Promise<SimState> {
  const res = await fetch(emulator.endpoint.replace(/\/v2$/, '/__sim/state'));
  return (await res.json()) as SimState;
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

describe('DigitalOcean emulator: account SSH keys', () => {
  let emulator: RunningEmulator;
  const clock = new ManualClock();
  afterEach(() => emulator.close());
  const dotsOn = async () => {
    emulator = await startDigitalOceanEmulator({ credentials: [TOKEN], clock, bootMs: BOOT_MS });
    return createApiClient({ token: TOKEN, endpoint: emulator.endpoint });
  };
  const droplet = (name: string, sshKeys?: (string | number)[]) => ({ name, region: REGION, size: size('small'), image: 'ubuntu-24-04-x64', ...(sshKeys ? { ssh_keys: sshKeys } : {}) });

  it('registers a key (201), finds it by id and by MD5 fingerprint, refuses it twice (422 already in use), deletes it (204)', async () => {
    const dots = await dotsOn();
    const created = await dots.sshKey.createSshKey({ name: 'ops', public_key: PUBLIC_KEY });
    expect(created.status).toBe(201);
    const key = created.data.ssh_key;
    expect(key).toEqual({ id: expect.any(Number), name: 'ops', public_key: PUBLIC_KEY, fingerprint: '50:43:b7:3d:24:75:1a:4c:2d:4d:da:85:9c:71:cc:75' });
    expect((await dots.sshKey.getSshKey({ ssh_key_id: key.id })).data.ssh_key).toEqual(key);
    expect((await dots.sshKey.getSshKey({ ssh_key_id: key.fingerprint })).data.ssh_key).toEqual(key);
    const twice = await failureOf(dots.sshKey.createSshKey({ name: 'again', public_key: PUBLIC_KEY }));
    expect(twice.response).toMatchObject({ status: 422, data: { id: 'unprocessable_entity', message: 'SSH Key is already in use on your account' } });
    const garbage = await failureOf(dots.sshKey.createSshKey({ name: 'bad', public_key: 'ssh-ed25519 AAAA' }));
    expect(garbage.response).toMatchObject({ status: 422, data: { id: 'unprocessable_entity' } });
    expect((await dots.sshKey.destroySshKey({ ssh_key_id: key.id })).status).toBe(204);
    expect((await failureOf(dots.sshKey.getSshKey({ ssh_key_id: key.fingerprint }))).response.status).toBe(404);
  });

  it('creates droplets with account keys (by id or fingerprint) and refuses unknown ones with 422; a droplet without a key is marked', async () => {
    const dots = await dotsOn();
    const key = (await dots.sshKey.createSshKey({ name: 'ops', public_key: PUBLIC_KEY })).data.ssh_key;
    await dots.droplet.createDroplet(droplet('by-id', [key.id]));
    await dots.droplet.createDroplet(droplet('by-fingerprint', [key.fingerprint]));
    await dots.droplet.createDroplet(droplet('keyless'));
    const unknown = await failureOf(dots.droplet.createDroplet(droplet('unknown', [key.id + 1])));
    expect(unknown.response).toMatchObject({ status: 422, data: { id: 'unprocessable_entity', message: 'You specified invalid ssh key ids for Droplet creation.' } });
    expect(Object.fromEntries(emulator.vms().map((v) => [v.name, v.providerSshKey]))).toEqual({ 'by-id': true, 'by-fingerprint': true, keyless: false });
  });

  it('lists keys at most 10 times a minute per token (429 with retry-after), on top of the hourly count', async () => {
    const dots = await dotsOn();
    for (let i = 0; i < 10; i++) expect((await dots.sshKey.listSshKeys({})).status).toBe(200);
    const refused = await failureOf(dots.sshKey.listSshKeys({}));
    expect(refused.response).toMatchObject({ status: 429, data: { id: 'too_many_requests' }, headers: { 'retry-after': '60' } });
    // Other calls are not held back by the listing's limit.
    expect((await dots.droplet.listDroplets({})).status).toBe(200);
    expect((await simState(emulator)).rateLimits).toMatchObject([{ usedLastHour: 12, keyListingsLastMinute: 10, keyListingsRejected: 1 }]);
    clock.advance(60_000);
    expect((await dots.sshKey.listSshKeys({})).status).toBe(200);
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

  it('twelve adapter starts within a minute each find the key by fingerprint: one registration, no listing, no 429', async () => {
    emulator = await startDigitalOceanEmulator({ credentials: [TOKEN], clock, bootMs: BOOT_MS });
    const counter = new CallCounter();
    for (let i = 0; i < 12; i++) {
      const adapter = createDigitalOceanAdapter({ token: TOKEN, ownerId: OWNER, endpoint: emulator.endpoint, recorder: counter, now: () => clock.now() });
      await adapter.create(vmRequest({ nodeId: `node_${100 + i}`, requestToken: `tok-many-${i}`, sshPublicKey: PUBLIC_KEY }));
      // Booted before the next start: DigitalOcean creates at most 10 droplets at a time.
      clock.advance(BOOT_MS);
    }
    expect(counter.count({ operation: 'ssh_keys.get' })).toBe(12);
    expect(counter.count({ operation: 'ssh_keys.create' })).toBe(1);
    expect(counter.count({ status: 429 })).toBe(0);
    expect((await simState(emulator)).rateLimits).toMatchObject([{ keyListingsLastMinute: 0, keyListingsRejected: 0, rejected: 0 }]);
    expect(emulator.vms().map((v) => v.providerSshKey)).toEqual(Array(12).fill(true));
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
