import { afterEach, describe, expect, it } from 'vitest';
import { lookupSize } from '../../../src/domain/catalogue/catalogue.js';
import { CallCounter } from '../../../src/providers/call-counter.js';
import { createHetznerAdapter } from '../../../src/providers/hetzner/index.js';
import { TAG, vmName } from '../../../src/providers/ownership.js';
import { StalledError, TransientError } from '../../../src/reconcile/errors.js';
import { ManualClock } from '../../../src/sim/common/clock.js';
import type { EmulatorOptions, RunningEmulator, SimVmView } from '../../../src/sim/common/types.js';
import { startHetznerEmulator } from '../../../src/sim/hetzner/index.js';
import { OWNER, PUBLIC_KEY, describeProviderContract, ownedTags, request, type ContractHarness } from './contract.js';
import { describeSshKeyContract, type HeldKey, type SshKeyHarness } from './ssh-key-contract.js';

const TOKEN = 'hz-test-token-0123456789';
const BOOT_MS = 30_000;
const DELETE_MS = 5_000;

async function makeHarness(): Promise<SshKeyHarness> {
  const clock = new ManualClock();
  const counter = new CallCounter();
  const emulator = await startHetznerEmulator({ credentials: [TOKEN], clock, bootMs: BOOT_MS, deleteMs: DELETE_MS });
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${emulator.endpoint}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const harness: SshKeyHarness = {
    provider: 'hetzner',
    emulator,
    region: 'fsn1',
    otherRegion: 'nbg1',
    counter,
    adapter: (o = {}) =>
      createHetznerAdapter({
        ownerId: o.ownerId ?? OWNER,
        token: o.credential ?? TOKEN,
        endpoint: o.endpoint ?? emulator.endpoint,
        recorder: counter,
        now: () => clock.now(),
        ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      }),
    size: (plan) => {
      const found = lookupSize('hetzner', 'fsn1', plan);
      if (!found.ok) throw new Error(found.message);
      return found.size.size;
    },
    ops: { create: 'servers.create', list: 'servers.list', delete: 'servers.delete' },
    listCallsFor: (n) => Math.max(1, Math.ceil(n / 50)),
    settle: async () => clock.advance(BOOT_MS + DELETE_MS),
    close: () => emulator.close(),
    keyOps: { lookup: 'ssh_keys.list', create: 'ssh_keys.create' },
    heldKeys: async () => {
      const state = (await (await fetch(emulator.endpoint.replace(/\/v1$/, '/__sim/state'))).json()) as { sshKeys: HeldKey[] };
      return state.sshKeys.map(({ id, name, fingerprint, labels }) => ({ id, name, fingerprint, labels }));
    },
    registerKey: async (publicKey, name) => void (await api('POST', '/ssh_keys', { name, public_key: publicKey })),
    deleteKey: async (id) => void (await api('DELETE', `/ssh_keys/${id}`)),
    isKeyLookup: (method, path) => method === 'GET' && path === '/v1/ssh_keys',
  };
  return harness;
}

describeProviderContract('hetzner', makeHarness);
describeSshKeyContract('hetzner', makeHarness);

/** Emulators started by one test, closed after it. */
const running: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function start(options: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  const emulator = await startHetznerEmulator({ credentials: [TOKEN], ...options });
  running.push(emulator);
  return emulator;
}

/** Plain HTTP as Hetzner's docs show it: `query` is sent exactly as written. */
async function call(e: RunningEmulator, method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await fetch(`${e.endpoint}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : undefined) as Record<string, any> };
}

const serverBody = (name: string, over: Record<string, unknown> = {}) => ({ name, server_type: 'cpx22', location: 'fsn1', image: 'ubuntu-24.04', ...over });
const seed = (e: RunningEmulator, name: string, tags: Record<string, string>, region = 'fsn1'): SimVmView => e.seedVm({ region, size: 'cpx22', name, tags });

describe('Hetzner Cloud emulator (plain HTTP, shapes as in the public docs)', () => {
  it('creates a server: 201 with server, action, next_actions and root_password, shaped like today’s API', async () => {
    const e = await start({ bootMs: 10_000, clock: new ManualClock() });
    const r = await call(e, 'POST', '/servers', serverBody('web-1', { labels: { env: 'prod' } }));
    expect(r.status).toBe(201);
    expect(Object.keys(r.json).sort()).toEqual(['action', 'next_actions', 'root_password', 'server']);
    const { server, action, next_actions: next } = r.json;
    expect(server).toMatchObject({ name: 'web-1', status: 'initializing', labels: { env: 'prod' }, location: { name: 'fsn1', network_zone: 'eu-central' }, server_type: { name: 'cpx22', cores: 2 } });
    expect(server).not.toHaveProperty('datacenter');
    expect(server.public_net.ipv4.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(action).toMatchObject({ command: 'create_server', status: 'running', finished: null, resources: [{ id: server.id, type: 'server' }] });
    expect(next).toMatchObject([{ command: 'start_server', status: 'running' }]);
    expect(typeof r.json.root_password).toBe('string');
    expect(e.vms()).toMatchObject([{ id: String(server.id), name: 'web-1', region: 'fsn1', size: 'cpx22', ip: server.public_net.ipv4.ip, tags: { env: 'prod' } }]);

    expect(e.vms()[0]!.providerSshKey).toBe(false);
    expect((await call(e, 'POST', '/ssh_keys', { name: 'ops', public_key: PUBLIC_KEY })).status).toBe(201);
    const noIp = await call(e, 'POST', '/servers', serverBody('web-2', { ssh_keys: ['ops'], public_net: { enable_ipv4: false, enable_ipv6: false } }));
    expect(noIp.json.server.public_net).toMatchObject({ ipv4: null, ipv6: null });
    expect(noIp.json.root_password).toBeNull();
    expect(e.vms().find((v) => v.name === 'web-2')).toMatchObject({ ip: null, providerSshKey: true });
  });

  it.each([
    [{ server_type: 'no-such-type' }, 'server_type'],
    [{ location: 'xyz1' }, 'location'],
    [{ location: 'ash' }, 'server_type'], // cpx22 is not sold in the US
    [{ labels: { 'hetzner.cloud/x': 'y' } }, 'labels'],
    [{ labels: { ok: 'not a valid value' } }, 'labels'],
    [{ datacenter: 'fsn1-dc14' }, 'datacenter'],
  ])('refuses %j with 422 invalid_input naming the field, and creates nothing', async (over, field) => {
    const e = await start();
    const r = await call(e, 'POST', '/servers', serverBody('web-1', over));
    expect(r.status).toBe(422);
    expect(r.json.error).toMatchObject({ code: 'invalid_input', details: { fields: [{ name: field }] } });
    expect(e.vms()).toEqual([]);
  });

  it('refuses a second server with the same name: 409 uniqueness_error naming the field', async () => {
    const e = await start();
    expect((await call(e, 'POST', '/servers', serverBody('dup'))).status).toBe(201);
    const r = await call(e, 'POST', '/servers', serverBody('dup', { location: 'nbg1' }));
    expect(r.status).toBe(409);
    expect(r.json).toEqual({ error: { code: 'uniqueness_error', message: expect.any(String), details: { fields: [{ name: 'name' }] } } });
    expect(e.vms().map((v) => [v.name, v.region])).toEqual([['dup', 'fsn1']]);
  });

  it('paginates 60 servers 25 a page with meta.pagination and a Link header', async () => {
    const e = await start();
    for (let i = 0; i < 60; i++) seed(e, `s-${i}`, {});
    const first = await call(e, 'GET', '/servers');
    expect(first.json.servers).toHaveLength(25);
    expect(first.json.meta.pagination).toEqual({ page: 1, per_page: 25, previous_page: null, next_page: 2, last_page: 3, total_entries: 60 });
    expect(first.headers.get('link')).toMatch(/page=2&per_page=25>; rel="next", <[^>]*page=3&per_page=25>; rel="last"$/);
    const last = await call(e, 'GET', '/servers?page=3&per_page=25');
    expect(last.json.meta.pagination).toEqual({ page: 3, per_page: 25, previous_page: 2, next_page: null, last_page: 3, total_entries: 60 });
    const pages = [first, await call(e, 'GET', '/servers?page=2'), last].flatMap((p) => p.json.servers.map((s: { name: string }) => s.name));
    expect(new Set(pages)).toEqual(new Set(e.vms().map((v) => v.name)));
    const capped = await call(e, 'GET', '/servers?per_page=500');
    expect(capped.json.meta.pagination).toMatchObject({ per_page: 50, last_page: 2, next_page: 2 });
    expect((await call(e, 'GET', '/servers?per_page=0')).json.error.code).toBe('invalid_input');
  });

  it('selects by labels: k=v, k!=v, k, !k, in/notin, with + or %20 for spaces and , for AND', async () => {
    const e = await start();
    seed(e, 'a', { env: 'prod', role: 'web' });
    seed(e, 'b', { env: 'prod', role: 'api', legacy: '' });
    seed(e, 'c', { env: 'dev', role: 'web' });
    seed(e, 'd', {});
    const names = async (query: string) => (await call(e, 'GET', `/servers?${query}`)).json.servers.map((s: { name: string }) => s.name);
    expect(await names('label_selector=env%3Dprod')).toEqual(['a', 'b']);
    expect(await names('label_selector=env==prod,role=web')).toEqual(['a']);
    expect(await names('label_selector=env!=prod')).toEqual(['c', 'd']);
    expect(await names('label_selector=legacy')).toEqual(['b']);
    expect(await names('label_selector=env,!legacy')).toEqual(['a', 'c']);
    expect(await names('label_selector=role+in+(web,api),env%3Dprod')).toEqual(['a', 'b']);
    expect(await names('label_selector=role%20notin%20(web)')).toEqual(['b', 'd']);
    expect(await names('label_selector=env=prod&name=b')).toEqual(['b']);
    const bad = await call(e, 'GET', '/servers?label_selector=env%3D%3D%3Dx');
    expect([bad.status, bad.json.error.code]).toEqual([422, 'invalid_input']);
  });

  it('boots initializing → starting → running over bootMs, and deletes via deleting → gone, from the clock alone', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const e = await start({ clock, bootMs: 10_000, deleteMs: 4_000, hooks: { created: (v) => seen.push(`+${v.name}`), deleted: (v) => seen.push(`-${v.name}`) } });
    const created = await call(e, 'POST', '/servers', serverBody('boot-1'));
    const id = created.json.server.id as number;
    const status = async () => (await call(e, 'GET', `/servers/${id}`)).json.server?.status;
    expect(await status()).toBe('initializing');
    clock.advance(5_000);
    expect(await status()).toBe('starting');
    expect((await call(e, 'GET', `/actions/${created.json.action.id}`)).json.action).toMatchObject({ status: 'success', progress: 100 });
    clock.advance(5_000);
    expect(await status()).toBe('running');
    const actions = (await call(e, 'GET', `/servers/${id}/actions`)).json.actions;
    expect(actions.map((a: { command: string; status: string }) => `${a.command}:${a.status}`)).toEqual(['create_server:success', 'start_server:success']);

    const deleted = await call(e, 'DELETE', `/servers/${id}`);
    expect([deleted.status, deleted.json.action.command, deleted.json.action.status]).toEqual([200, 'delete_server', 'running']);
    expect(e.vms().map((v) => v.status)).toEqual(['deleting']);
    expect(seen).toEqual(['+boot-1']);
    clock.advance(4_000);
    expect(e.vms()).toEqual([]);
    expect(seen).toEqual(['+boot-1', '-boot-1']);
    expect((await call(e, 'GET', `/servers/${id}`)).json.error.code).toBe('not_found');
    expect((await call(e, 'DELETE', `/servers/${id}`)).status).toBe(404);
  });

  it('rate-limits per token with a bucket that refills, and sends RateLimit-* on every response', async () => {
    const clock = new ManualClock();
    // 3600 × scale = 3 requests per hour: one request back every 1200 s.
    const e = await startHetznerEmulator({ credentials: [TOKEN, 'other-token'], clock, rateLimitScale: 3 / 3600 });
    running.push(e);
    const remaining = [];
    for (let i = 0; i < 3; i++) remaining.push((await call(e, 'GET', '/servers')).headers.get('ratelimit-remaining'));
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await call(e, 'GET', '/servers');
    expect([limited.status, limited.json.error.code]).toEqual([429, 'rate_limit_exceeded']);
    expect(limited.headers.get('ratelimit-limit')).toBe('3');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBe(Math.ceil((clock.now() + 3 * 1_200_000) / 1000));
    expect((await call(e, 'GET', '/servers', undefined, 'other-token')).status).toBe(200);
    clock.advance(1_200_000);
    const refilled = await call(e, 'GET', '/servers');
    expect([refilled.status, refilled.headers.get('ratelimit-remaining')]).toEqual([200, '0']);
    expect((await call(e, 'GET', '/servers')).status).toBe(429);
  });

  it('answers unknown routes, wrong methods, bad tokens and injected faults with JSON errors and rate-limit headers', async () => {
    const e = await start();
    e.faults.add({ kind: 'status', status: 503, operation: 'servers.get' });
    const cases: [string, string, string | undefined, number, string][] = [
      ['GET', '/no-such-thing', TOKEN, 404, 'not_found'],
      ['GET', '/servers/999999', TOKEN, 503, 'unavailable'],
      ['GET', '/servers/999999', TOKEN, 404, 'not_found'],
      ['PATCH', '/servers', TOKEN, 405, 'method_not_allowed'],
      ['GET', '/servers', 'wrong-token', 401, 'unauthorized'],
    ];
    for (const [method, path, token, status, code] of cases) {
      const r = await call(e, method, path, undefined, token);
      expect([r.status, r.json.error.code, r.headers.get('content-type')]).toEqual([status, code, 'application/json; charset=utf-8']);
      expect(r.headers.get('ratelimit-limit')).toBe('3600');
    }
  });
});

describe('Hetzner Cloud emulator: project SSH keys', () => {
  const FINGERPRINT = '50:43:b7:3d:24:75:1a:4c:2d:4d:da:85:9c:71:cc:75';

  it('creates a key (201, MD5 fingerprint, labels), lists it by fingerprint, name and label, and refuses a second by name or fingerprint (409 uniqueness_error)', async () => {
    const e = await start();
    const created = await call(e, 'POST', '/ssh_keys', { name: 'ops', public_key: PUBLIC_KEY, labels: { team: 'infra' } });
    expect(created.status).toBe(201);
    expect(created.json.ssh_key).toMatchObject({ id: expect.any(Number), name: 'ops', fingerprint: FINGERPRINT, public_key: PUBLIC_KEY, labels: { team: 'infra' }, created: expect.any(String) });
    for (const query of [`fingerprint=${FINGERPRINT}`, 'name=ops', 'label_selector=team%3Dinfra']) {
      expect((await call(e, 'GET', `/ssh_keys?${query}`)).json.ssh_keys.map((k: { name: string }) => k.name)).toEqual(['ops']);
    }
    expect((await call(e, 'GET', '/ssh_keys?fingerprint=00:11')).json).toMatchObject({ ssh_keys: [], meta: { pagination: { total_entries: 0 } } });
    const sameName = await call(e, 'POST', '/ssh_keys', { name: 'ops', public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIt' });
    expect([sameName.status, sameName.json.error.code, sameName.json.error.details]).toEqual([409, 'uniqueness_error', { fields: [{ name: 'name' }] }]);
    const sameKey = await call(e, 'POST', '/ssh_keys', { name: 'other', public_key: PUBLIC_KEY });
    expect([sameKey.status, sameKey.json.error]).toEqual([409, { code: 'uniqueness_error', message: 'SSH key with the same fingerprint already exists', details: { fields: [{ name: 'public_key' }] } }]);
    const bad = await call(e, 'POST', '/ssh_keys', { name: 'bad', public_key: 'not a key' });
    expect([bad.status, bad.json.error.code, bad.json.error.details.fields[0].name]).toEqual([422, 'invalid_input', 'public_key']);
    expect((await call(e, 'DELETE', `/ssh_keys/${created.json.ssh_key.id}`)).status).toBe(204);
    expect((await call(e, 'GET', `/ssh_keys/${created.json.ssh_key.id}`)).json.error.code).toBe('not_found');
  });

  it('creates servers with project keys by id or name (no root password) and refuses an unknown key with 422 invalid_input on ssh_keys', async () => {
    const e = await start();
    const key = (await call(e, 'POST', '/ssh_keys', { name: 'ops', public_key: PUBLIC_KEY })).json.ssh_key;
    expect((await call(e, 'POST', '/servers', serverBody('by-id', { ssh_keys: [key.id] }))).json.root_password).toBeNull();
    expect((await call(e, 'POST', '/servers', serverBody('by-name', { ssh_keys: ['ops'] }))).json.root_password).toBeNull();
    const unknown = await call(e, 'POST', '/servers', serverBody('unknown', { ssh_keys: [key.id + 1] }));
    expect([unknown.status, unknown.json.error.code, unknown.json.error.details.fields[0].name]).toEqual([422, 'invalid_input', 'ssh_keys']);
    expect(Object.fromEntries(e.vms().map((v) => [v.name, v.providerSshKey]))).toEqual({ 'by-id': true, 'by-name': true });
  });
});

describe('Hetzner adapter specifics', () => {
  const adapterFor = (e: RunningEmulator, over: { clock?: ManualClock; counter?: CallCounter } = {}) =>
    createHetznerAdapter({
      ownerId: OWNER,
      token: TOKEN,
      endpoint: e.endpoint,
      ...(over.counter ? { recorder: over.counter } : {}),
      ...(over.clock ? { now: () => over.clock!.now() } : {}),
    });
  // These count calls one by one; without a key, no key lookup joins them (the SSH key contract covers those).
  const req = (over: Parameters<typeof request>[1] = {}) => {
    const { sshPublicKey: _key, ...keyless } = request({ region: 'fsn1', size: () => 'cpx22' } as unknown as ContractHarness, over);
    return keyless;
  };

  it('stalls with NameTaken when a server it did not make holds the name, and leaves it alone', async () => {
    const e = await start();
    const r = req();
    const squatter = seed(e, vmName(r, OWNER), ownedTags({} as ContractHarness, r.nodeId));
    const err = await adapterFor(e).create(r).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).reason).toBe('NameTaken');
    expect(e.vms()).toEqual([squatter]);
  });

  it('refuses an invalid size as InvalidRequest with the provider’s message', async () => {
    const e = await start();
    const err = await adapterFor(e).create(req({ size: 'cx11' })).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'StalledError', reason: 'InvalidRequest', message: expect.stringContaining("server type 'cx11' not found") });
    expect(e.vms()).toEqual([]);
  });

  it('turns a 429 into RateLimited with the wait read from RateLimit-Reset', async () => {
    const clock = new ManualClock();
    const e = await start({ clock, rateLimitScale: 2 / 3600 });
    await call(e, 'GET', '/servers');
    await call(e, 'GET', '/servers');
    const err = await adapterFor(e, { clock }).observe(['fsn1']).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'TransientError', reason: 'RateLimited' });
    // Two per hour: the next request is back 1800 s later.
    expect((err as TransientError).retryAfterMs).toBe(1_800_000);
  });

  it('after a 429 with Retry-After, no call of the client leaves until it has passed, whichever cluster asks', async () => {
    const clock = new ManualClock();
    const counter = new CallCounter();
    const e = await start({ clock });
    const adapter = adapterFor(e, { clock, counter });
    e.faults.add({ kind: 'status', status: 429, retryAfterS: 7, operation: 'servers.list' });
    const first = await adapter.observe(['fsn1']).catch((x: unknown) => x);
    expect(first).toMatchObject({ name: 'TransientError', reason: 'RateLimited', retryAfterMs: 7_000 });
    // Another pass (another cluster on the same token) is held back without a call going out.
    clock.advance(3_000);
    const held = await adapter.create(req()).catch((x: unknown) => x);
    expect(held).toMatchObject({ name: 'TransientError', reason: 'RateLimited', retryAfterMs: 4_000 });
    expect(counter.calls.map((c) => c.status)).toEqual([429]);
    expect(e.vms()).toEqual([]);
    clock.advance(4_000);
    expect(await adapter.observe(['fsn1'])).toEqual([]);
  });

  it('holds calls back while the budget is at its reserve instead of provoking a 429, and resumes after the refill', async () => {
    const clock = new ManualClock();
    const counter = new CallCounter();
    const e = await start({ clock, rateLimitScale: 3 / 3600 });
    const adapter = adapterFor(e, { clock, counter });
    const vm = await adapter.create(req());
    await adapter.observe(['fsn1']);
    await adapter.observe(['fsn1']);
    const err = await adapter.observe(['fsn1']).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'TransientError', reason: 'RateLimited' });
    expect((err as TransientError).retryAfterMs).toBe(1_200_000);
    expect(counter.calls.map((c) => c.status)).toEqual([201, 200, 200]);
    clock.advance(1_200_000);
    expect((await adapter.observe(['fsn1'])).map((v) => v.providerId)).toEqual([vm.providerId]);
  });

  it('deletes what is already gone as success, and a vanished endpoint as a transient error without the token', async () => {
    const counter = new CallCounter();
    const e = await start();
    const adapter = adapterFor(e, { counter });
    const vm = await adapter.create(req());
    await adapter.delete(vm);
    expect(e.vms()).toEqual([]);
    await adapter.delete(vm);
    await e.close();
    const err = await adapter.observe(['fsn1']).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'TransientError', reason: 'ConnectionFailed' });
    expect(JSON.stringify({ m: (err as Error).message, c: String((err as Error).cause) })).not.toContain(TOKEN);
    expect(counter.calls.at(-1)).toMatchObject({ operation: 'servers.list', status: 0 });
  });

  it('labels every server with its ownership and observes only the requested locations', async () => {
    const e = await start();
    const adapter = adapterFor(e);
    const here = await adapter.create(req());
    await adapter.create(req({ region: 'hel1' }));
    expect(e.vms().find((v) => v.id === here.providerId)?.tags).toMatchObject({ [TAG.owner]: OWNER, [TAG.node]: here.nodeId, [TAG.token]: here.requestToken });
    expect((await adapter.observe(['fsn1'])).map((v) => v.providerId)).toEqual([here.providerId]);
    expect(await adapter.observe([])).toEqual([]);
  });
});
