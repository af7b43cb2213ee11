import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanName, Provider } from '../../../src/domain/manifest/types.js';
import { CallCounter } from '../../../src/providers/call-counter.js';
import { TAG } from '../../../src/providers/ownership.js';
import type { CreateVmRequest, ProviderAdapter } from '../../../src/providers/types.js';
import { encodeEd25519 } from '../../../src/orchestrators/ssh/openssh-key.js';
import { StalledError, TransientError } from '../../../src/reconcile/errors.js';
import type { RunningEmulator } from '../../../src/sim/common/types.js';

/**
 * What each provider's test file gives the shared contract suite: a running emulator (real
 * HTTP on loopback) and a way to build adapters on the real SDK / client against it.
 */
export interface ContractHarness {
  provider: Provider;
  emulator: RunningEmulator;
  region: string;
  otherRegion: string;
  /** Every adapter built here records into this counter. */
  counter: CallCounter;
  /** A fresh adapter, as a new process would build it (`endpoint`: through a proxy in front of the emulator). */
  adapter(overrides?: { ownerId?: string; credential?: string; timeoutMs?: number; endpoint?: string }): ProviderAdapter;
  size(plan: PlanName): string;
  /** The emulator's operation names, for fault injection and call counts. */
  ops: { create: string; list: string; delete: string };
  /** List calls `observe` needs for n VMs in one region (pagination). */
  listCallsFor(n: number): number;
  /** Let simulated time pass so creates and deletes finish. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const OWNER = 'contract-owner';
/** clusterops' public key in these tests, as `ensureKeyPair` writes it. */
export const PUBLIC_KEY = encodeEd25519(Buffer.alloc(32, 7), 'clusterops').publicLine;

/** Keeps the emulators a test starts (pass each through the returned function) and closes them after it. */
export function closedAfterEach(): <E extends RunningEmulator>(e: E) => E {
  const started: RunningEmulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close()));
  });
  return (e) => {
    started.push(e);
    return e;
  };
}

let seq = 0;
export function request(h: ContractHarness, over: Partial<CreateVmRequest> = {}): CreateVmRequest {
  seq += 1;
  const nodeId = `node_${String(seq).padStart(3, '0')}`;
  return {
    region: h.region,
    clusterId: 'cluster_contract',
    clusterName: 'contract',
    nodeId,
    role: 'worker',
    plan: 'small',
    size: h.size('small'),
    requestToken: `tok-${process.pid}-${seq}`,
    // As the reconciler sends it when it joins nodes over SSH.
    sshPublicKey: PUBLIC_KEY,
    ...over,
  };
}

/** What the controller does with transient errors: try again (quickly, in tests). */
export async function retrying<T>(fn: () => Promise<T>, attempts = 12): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof TransientError) || i >= attempts) throw err;
      await sleep(Math.min(err.retryAfterMs ?? 20, 100));
    }
  }
}

export function ownedTags(h: ContractHarness, nodeId: string, owner = OWNER): Record<string, string> {
  return { [TAG.owner]: owner, [TAG.cluster]: 'cluster_seeded', [TAG.node]: nodeId, [TAG.role]: 'worker', [TAG.plan]: 'small' };
}

export function describeProviderContract(name: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`${name} adapter contract (real client ⇄ emulator over HTTP)`, () => {
    let h: ContractHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.close();
    });

    const vmsOfNode = (nodeId: string) => h.emulator.vms().filter((v) => v.tags[TAG.node] === nodeId);

    it('creates VMs in parallel and observes them by ownership tags, with status and IP', async () => {
      const adapter = h.adapter();
      const reqs = [request(h, { role: 'manager', plan: 'medium', size: h.size('medium') }), request(h), request(h, { region: h.otherRegion })];
      const created = await Promise.all(reqs.map((r) => adapter.create(r)));
      expect(new Set(created.map((c) => c.providerId)).size).toBe(3);
      await h.settle();
      const seen = await adapter.observe([h.region, h.otherRegion]);
      expect(seen.map((v) => v.nodeId).sort()).toEqual(reqs.map((r) => r.nodeId).sort());
      for (const r of reqs) {
        const vm = seen.find((v) => v.nodeId === r.nodeId)!;
        expect(vm).toMatchObject({ provider: h.provider, region: r.region, clusterId: r.clusterId, role: r.role, plan: r.plan, requestToken: r.requestToken, status: 'running' });
        expect(vm.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(vmsOfNode(r.nodeId)).toHaveLength(1);
        expect(vmsOfNode(r.nodeId)[0]!.tags[TAG.owner]).toBe(OWNER);
      }
      expect(await adapter.observe([h.region])).toHaveLength(2);
    });

    it('observes only VMs this instance owns, and refuses to delete anything else', async () => {
      const foreign = h.emulator.seedVm({ region: h.region, size: h.size('small'), name: 'foreign-1', tags: ownedTags(h, 'node_900', 'someone-else') });
      h.emulator.seedVm({ region: h.region, size: h.size('small'), name: 'untagged-1', tags: {} });
      const mine = await h.adapter().create(request(h));
      await h.settle();
      const seen = await h.adapter().observe([h.region]);
      expect(seen.map((v) => v.providerId)).toEqual([mine.providerId]);
      await expect(h.adapter().delete({ providerId: foreign.id, region: h.region })).rejects.toBeInstanceOf(StalledError);
      expect(h.emulator.vms().map((v) => v.id)).toContain(foreign.id);
    });

    it('follows every page of a large listing, in as few calls as pagination allows', async () => {
      for (let i = 0; i < 60; i++) {
        h.emulator.seedVm({ region: h.region, size: h.size('small'), name: `seeded-${i}`, tags: ownedTags(h, `node_${String(i + 100)}`) });
      }
      h.emulator.seedVm({ region: h.otherRegion, size: h.size('small'), name: 'elsewhere', tags: ownedTags(h, 'node_999') });
      await h.settle();
      h.counter.reset();
      const seen = await h.adapter().observe([h.region]);
      expect(seen).toHaveLength(60);
      expect(new Set(seen.map((v) => v.providerId)).size).toBe(60);
      expect(h.counter.count({ operation: h.ops.list })).toBe(h.listCallsFor(61));
      expect(h.counter.count()).toBe(h.listCallsFor(61));
    });

    it('reads one VM by id; an unknown or foreign id is null', async () => {
      const adapter = h.adapter();
      const vm = await adapter.create(request(h));
      await h.settle();
      expect(await adapter.get(vm)).toMatchObject({ providerId: vm.providerId, nodeId: vm.nodeId, requestToken: vm.requestToken, region: h.region });
      const foreign = h.emulator.seedVm({ region: h.region, size: h.size('small'), name: 'foreign-get', tags: ownedTags(h, 'node_901', 'someone-else') });
      await h.settle();
      expect(await adapter.get({ providerId: foreign.id, region: h.region })).toBeNull();
      await adapter.delete(vm);
      await h.settle();
      expect(await adapter.get(vm)).toBeNull();
    });

    it('deletes a VM, and deleting it again is success', async () => {
      const adapter = h.adapter();
      const vm = await adapter.create(request(h));
      await h.settle();
      await adapter.delete(vm);
      await h.settle();
      expect(h.emulator.vms().map((v) => v.id)).not.toContain(vm.providerId);
      expect(await adapter.observe([h.region])).toEqual([]);
      await adapter.delete(vm);
    });

    it('is idempotent per request token', async () => {
      const r = request(h);
      const a = await h.adapter().create(r);
      const b = await h.adapter().create(r);
      expect(b.providerId).toBe(a.providerId);
      expect(vmsOfNode(r.nodeId)).toHaveLength(1);
    });

    it.each([429, 500, 503])('survives injected %i errors on create and list without duplicates', async (status) => {
      const adapter = h.adapter();
      h.emulator.faults.add({ kind: 'status', status, operation: h.ops.create, times: 2 });
      h.emulator.faults.add({ kind: 'status', status, operation: h.ops.list, times: 2 });
      const r = request(h);
      const vm = await retrying(() => adapter.create(r));
      await h.settle();
      expect(vmsOfNode(r.nodeId).map((v) => v.id)).toEqual([vm.providerId]);
      const seen = await retrying(() => adapter.observe([h.region]));
      expect(seen.map((v) => v.nodeId)).toEqual([r.nodeId]);
    });

    it.each(['timeout', 'drop', 'drop-after'] as const)('a %s on create never produces a duplicate', async (kind) => {
      const adapter = h.adapter({ timeoutMs: 400 });
      h.emulator.faults.add({ kind, operation: h.ops.create, times: 1 });
      const r = request(h);
      const vm = await retrying(() => adapter.create(r));
      await h.settle();
      expect(vmsOfNode(r.nodeId).map((v) => v.id)).toEqual([vm.providerId]);
    });

    it('crash after the provider accepted the create: a new adapter instance finds the VM', async () => {
      const r = request(h);
      // The provider creates the VM but the answer never arrives: the process "dies" here.
      h.emulator.faults.add({ kind: 'drop-after', operation: h.ops.create, times: 1 });
      const first = h.adapter({ timeoutMs: 400 });
      await first.create(r).then(
        () => undefined,
        (err: unknown) => expect(err).toBeInstanceOf(TransientError),
      );
      expect(vmsOfNode(r.nodeId)).toHaveLength(1);
      // A new process reads the journaled intent (same token) and resumes.
      const vm = await retrying(() => h.adapter().create(r));
      await h.settle();
      expect(vmsOfNode(r.nodeId).map((v) => v.id)).toEqual([vm.providerId]);
      expect((await h.adapter().observe([h.region])).map((v) => v.nodeId)).toEqual([r.nodeId]);
    });

    it('bad credentials stall with a reason and never show the credential', async () => {
      const secret = 'sEcReT-credential-0123456789abcdef';
      const err = await h.adapter({ credential: secret }).observe([h.region]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StalledError);
      expect((err as StalledError).reason).toBe('Unauthorized');
      expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack, c: String((err as Error).cause) })).not.toContain(secret);
    });

    it('an unknown size is refused by the provider as a stalled error, and nothing is created', async () => {
      const r = request(h, { size: 'no-such-size' });
      await expect(h.adapter().create(r)).rejects.toBeInstanceOf(StalledError);
      expect(vmsOfNode(r.nodeId)).toHaveLength(0);
    });

    it('counts every call per provider, operation and status', async () => {
      const adapter = h.adapter();
      h.counter.reset();
      await adapter.create(request(h));
      await adapter.observe([h.region]);
      expect(h.counter.count({ provider: h.provider, operation: h.ops.list })).toBeGreaterThanOrEqual(1);
      expect(h.counter.calls.every((c) => c.provider === h.provider && c.status >= 200 && c.durationMs >= 0)).toBe(true);
      expect(h.counter.count({ operation: h.ops.create })).toBeGreaterThanOrEqual(1);
    });
  });
}
