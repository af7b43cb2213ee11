import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clusterops } from '../../../src/main.js';
import { ensureKeyPair } from '../../../src/orchestrators/ssh/keys.js';
import { TAG } from '../../../src/providers/ownership.js';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';
import type { IpAllocator } from '../../../src/sim/common/ip-pool.js';
import { createSimHostFleet, loopbackIps, type SimHostFleet } from '../../../src/sim/hosts/index.js';
import { converged, group, manifest, startDaemon, TestRepo, vmsOf, waitFor } from './harness.js';

/**
 * SSH host-key pins and reused addresses (issue 14 item 16): real clouds hand a deleted VM's IP
 * to the next VM, a new machine with its own host key. The daemon joins nodes over real SSH to
 * simulated machines (one sshd per VM, on its loopback address, port 22 as a non-demo serve uses).
 */

/** Addresses from a loopback block of this run's own, handing a released address out again first (as clouds do). */
function reusingIps(): IpAllocator {
  const pool = loopbackIps(`127.${60 + randomInt(30)}.${randomInt(256)}.0/24`);
  const freed: string[] = [];
  return { allocate: () => freed.shift() ?? pool.allocate(), release: (ip) => void freed.push(ip) };
}

describe('host-key pins follow the VM, not the address', () => {
  let repo: TestRepo;
  let sim: SimCloud;
  let fleet: SimHostFleet;
  let co: Clusterops | undefined;
  let dataDir: string;

  beforeEach(async () => {
    repo = new TestRepo();
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-hostkeys-'));
    const { publicKey } = await ensureKeyPair(dataDir);
    fleet = createSimHostFleet({ port: 22, authorizedKeys: () => [publicKey], drainDelayMs: 0 });
    sim = await startSimCloud({ bootMs: 100, deleteMs: 50, ips: reusingIps(), hooks: fleet.hooks() });
  });
  afterEach(async () => {
    await co?.close();
    co = undefined;
    await sim.close();
    await fleet.close();
    repo.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const web = (workers: number) => ({ 'clusters/web.yaml': manifest('web', { id: 'cluster_web', orchestrator: 'swarm', groups: [group('manager', 'small', 1), group('worker', 'small', workers)].join('\n') }) });
  const ipOf = (node: string) => vmsOf(sim, 'cluster_web').find((v) => v.tags[TAG.node] === node)?.ip;
  /** The fingerprint pinned for `ip:22` (either file format). */
  const pinned = (ip: string): string | undefined => {
    const pin = (JSON.parse(readFileSync(join(dataDir, 'ssh', 'known_hosts.json'), 'utf8')) as Record<string, string | { fingerprint: string }>)[`${ip}:22`];
    return typeof pin === 'string' ? pin : pin?.fingerprint;
  };
  const status = () => co!.store.cluster('cluster_web')?.status;

  it('a new VM that gets a deleted VM’s address, with another host key, joins; the old pin is forgotten', async () => {
    repo.push(web(1));
    co = await startDaemon(repo, sim, dataDir, { orchestration: 'ssh' });
    await converged(co, 'cluster_web', 2);
    const oldIp = ipOf('node_002')!;
    const oldKey = fleet.hostKeyFingerprint(oldIp);
    expect(pinned(oldIp)).toBe(oldKey);

    repo.push(web(0), 'no workers');
    await co.daemon.pollNow();
    await waitFor('node_002 gone', () => ipOf('node_002') === undefined);
    await converged(co, 'cluster_web', 1);
    const forgotten = pinned(oldIp);

    repo.push(web(1), 'a worker again');
    await co.daemon.pollNow();
    const node3 = () => status()?.nodes.find((n) => n.id === 'node_003');
    await waitFor('node_003 joined or refused', () => node3()?.orchestratorStatus === 'ready' || /host key/.test(status()?.lastError ?? ''));
    // The new worker got the old address and presents a key of its own, and it joined the swarm.
    expect(ipOf('node_003')).toBe(oldIp);
    expect(fleet.hostKeyFingerprint(oldIp)).not.toBe(oldKey);
    expect(status()?.lastError ?? null).toBeNull();
    expect(node3()).toMatchObject({ status: 'running', orchestratorStatus: 'ready' });
    await converged(co, 'cluster_web', 2);
    // The deleted VM's pin went with it; the address is now pinned to the new VM's key.
    expect(forgotten).toBeUndefined();
    expect(pinned(oldIp)).toBe(fleet.hostKeyFingerprint(oldIp));
  });

  it('the same VM presenting another host key is still refused (HostKeyChanged), and its pin kept', async () => {
    repo.push(web(0));
    co = await startDaemon(repo, sim, dataDir, { orchestration: 'ssh' });
    await converged(co, 'cluster_web', 1);
    const ip = ipOf('node_001')!;
    const before = pinned(ip);
    await fleet.rotateHostKey(ip);
    await co.daemon.resync();
    await waitFor('host key refused', () => /host key changed/.test(status()?.lastError ?? ''));
    expect(status()!.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: true, reason: 'HostKeyChanged' });
    expect(before).toBeDefined();
    expect(pinned(ip)).toBe(before);
  });
});
