import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lookupSize } from '../../../src/domain/catalogue/catalogue.js';
import type { Provider } from '../../../src/domain/manifest/types.js';
import { CallCounter } from '../../../src/providers/call-counter.js';
import { createProviderAdapters } from '../../../src/providers/registry.js';
import { encodeEd25519 } from '../../../src/orchestrators/ssh/openssh-key.js';
import type { CreateVmRequest, ObservedVm, ProviderAdapter } from '../../../src/providers/types.js';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';
import { ManualClock } from '../../../src/sim/common/clock.js';

const OWNER = 'co-statetest';
const PUBLIC_KEY = encodeEd25519(Buffer.alloc(32, 7), 'clusterops').publicLine;
const BOOT_MS = 10_000;
const DELETE_MS = 8_000;
const PROVIDERS: [Provider, string][] = [
  ['digitalocean', 'sfo3'],
  ['hetzner', 'fsn1'],
  ['aws', 'us-east-1'],
];

function request(provider: Provider, region: string, n: number): CreateVmRequest {
  const size = lookupSize(provider, region, 'small');
  if (!size.ok) throw new Error(size.message);
  const nodeId = `node_${String(n).padStart(3, '0')}`;
  return { region, clusterId: 'cluster_state', clusterName: 'state', nodeId, role: 'worker', plan: 'small', size: size.size.size, requestToken: `tok-${provider}-${n}` };
}

/** The real provider adapters (real SDKs) against the simulated cloud, as clusterops builds them. */
function adapters(sim: SimCloud): Record<Provider, ProviderAdapter> {
  return createProviderAdapters(sim.credentials, { ownerId: OWNER, endpoints: sim.endpoints() }) as Record<Provider, ProviderAdapter>;
}

async function observeAll(sim: SimCloud): Promise<Record<string, ObservedVm[]>> {
  const a = adapters(sim);
  const out: Record<string, ObservedVm[]> = {};
  for (const [p, region] of PROVIDERS) out[p] = (await a[p].observe([region])).sort((x, y) => x.nodeId.localeCompare(y.nodeId));
  return out;
}

describe('the simulated cloud resumes from its state file (startSimCloud({ state }))', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  let sim: SimCloud | undefined;
  const start = async () => (sim = await startSimCloud({ state: file, clock, bootMs: BOOT_MS, deleteMs: DELETE_MS }));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterops-simstate-'));
    file = join(dir, 'sim-state.json');
    clock = new ManualClock();
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('every emulator keeps its VMs (ids, names, IPs, tags, credentials), and boots and deletions go on on schedule', async () => {
    const first = await start();
    const a = adapters(first);
    for (const [p, region] of PROVIDERS) {
      await a[p].create(request(p, region, 1));
      await a[p].create(request(p, region, 2));
    }
    clock.advance(BOOT_MS);
    for (const [p, region] of PROVIDERS) {
      const [one] = (await a[p].observe([region])).filter((vm) => vm.nodeId === 'node_001');
      await a[p].delete(one!);
      await a[p].create(request(p, region, 3));
    }
    clock.advance(BOOT_MS / 2);
    const before = await observeAll(first);
    const vmsBefore = Object.fromEntries(PROVIDERS.map(([p]) => [p, first.emulators[p].vms()]));
    const credentials = first.credentials;
    expect(Object.values(before).map((vms) => vms.map((vm) => `${vm.nodeId}:${vm.status}`))).toEqual(
      PROVIDERS.map(() => ['node_001:deleting', 'node_002:running', 'node_003:provisioning']),
    );
    await first.close();

    const second = await start();
    expect(second.credentials).toEqual(credentials);
    expect(await observeAll(second)).toEqual(before);
    expect(Object.fromEntries(PROVIDERS.map(([p]) => [p, second.emulators[p].vms()]))).toEqual(vmsBefore);

    clock.advance(BOOT_MS);
    const later = await observeAll(second);
    expect(Object.values(later).map((vms) => vms.map((vm) => `${vm.nodeId}:${vm.status}`))).toEqual(PROVIDERS.map(() => ['node_002:running', 'node_003:running']));
  });

  it('id counters, the address pool and create idempotency (EC2 client tokens, DO token tags, Hetzner names) carry over', async () => {
    const first = await start();
    const made = await Promise.all(PROVIDERS.map(([p, region]) => adapters(first)[p].create(request(p, region, 1))));
    await first.close();

    const second = await start();
    const a = adapters(second);
    // The same request again is the same VM, not a second one.
    const again = await Promise.all(PROVIDERS.map(([p, region]) => a[p].create(request(p, region, 1))));
    expect(again.map((vm) => vm.providerId)).toEqual(made.map((vm) => vm.providerId));
    const next = await Promise.all(PROVIDERS.map(([p, region]) => a[p].create(request(p, region, 2))));
    const ids = new Set(made.map((vm) => vm.providerId));
    const ips = new Set(made.map((vm) => second.emulators[vm.provider].vms().find((v) => v.id === vm.providerId)!.ip));
    for (const vm of next) {
      expect(ids.has(vm.providerId)).toBe(false);
      expect(ips.has(second.emulators[vm.provider].vms().find((v) => v.id === vm.providerId)!.ip)).toBe(false);
    }
    expect(Object.values(await observeAll(second)).map((vms) => vms.length)).toEqual([2, 2, 2]);
  });

  it('registered SSH keys carry over: after a restart the key is found, not registered again, and VMs keep saying they carry it', async () => {
    const withKey = (p: Provider, region: string, n: number) => ({ ...request(p, region, n), sshPublicKey: PUBLIC_KEY });
    const keyed: Provider[] = ['digitalocean', 'hetzner'];
    const first = await start();
    const made = await Promise.all(PROVIDERS.filter(([p]) => keyed.includes(p)).map(([p, region]) => adapters(first)[p].create(withKey(p, region, 1))));
    await first.close();

    const second = await start();
    const counter = new CallCounter();
    const a = createProviderAdapters(second.credentials, { ownerId: OWNER, endpoints: second.endpoints(), recorder: counter });
    const next = await Promise.all(PROVIDERS.filter(([p]) => keyed.includes(p)).map(([p, region]) => a[p]!.create(withKey(p, region, 2))));
    expect(counter.count({ operation: 'ssh_keys.create' })).toBe(0);
    for (const vm of [...made, ...next]) expect(second.emulators[vm.provider].vms().find((v) => v.id === vm.providerId)?.providerSshKey).toBe(true);
  });

  it('a VM it reported is on disk before the answer; reads do not rewrite the file; writes are counted at /__sim/requests', async () => {
    const first = await start();
    const a = adapters(first);
    const created = await a.hetzner.create(request('hetzner', 'fsn1', 1));
    // Read right after the answer, without letting the cloud do anything else.
    expect(readFileSync(file, 'utf8')).toContain(`"id":${created.providerId}`);
    const written = statSync(file).ino;
    await a.hetzner.observe(['fsn1']);
    await a.digitalocean.observe(['sfo3']);
    expect(statSync(file).ino).toBe(written);

    const origin = new URL(first.endpoints().hetzner).origin;
    const counts = (await (await fetch(`${origin}/__sim/requests`)).json()) as { operations: Record<string, number>; writes: number };
    expect(counts.writes).toBe(1);
    expect(counts.operations['servers.create']).toBe(1);
    expect(counts.operations['servers.list']).toBeGreaterThanOrEqual(1);
  });
});
