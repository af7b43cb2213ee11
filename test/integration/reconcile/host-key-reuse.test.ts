import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TAG } from '../../../src/providers/ownership.js';
import { loopbackIps } from '../../../src/sim/hosts/index.js';
import { converged, group, manifest, sshDaemonWorld, startDaemon, vmsOf, waitFor } from './harness.js';

/**
 * SSH host-key pins and reused addresses (issue 14 item 16): real clouds hand a deleted VM's IP
 * to the next VM, a new machine with its own host key. The daemon joins nodes over real SSH to
 * simulated machines (one sshd per VM, on its loopback address, port 22 as a non-demo serve uses).
 */

/** Addresses from a loopback block of this run's own: the pool hands a released address out again first, as clouds do (issue 16 item 4). */
const reusingIps = () => loopbackIps(`127.${60 + randomInt(30)}.${randomInt(256)}.0/24`);

describe('host-key pins follow the VM, not the address', () => {
  const w = sshDaemonWorld('clusterops-hostkeys-', reusingIps);

  const web = (workers: number) => ({ 'clusters/web.yaml': manifest('web', { id: 'cluster_web', orchestrator: 'swarm', groups: [group('manager', 'small', 1), group('worker', 'small', workers)].join('\n') }) });
  const ipOf = (node: string) => vmsOf(w.sim, 'cluster_web').find((v) => v.tags[TAG.node] === node)?.ip;
  /** The fingerprint pinned for `ip:22` (either file format). */
  const pinned = (ip: string): string | undefined => {
    const pin = (JSON.parse(readFileSync(join(w.dataDir, 'ssh', 'known_hosts.json'), 'utf8')) as Record<string, string | { fingerprint: string }>)[`${ip}:22`];
    return typeof pin === 'string' ? pin : pin?.fingerprint;
  };
  const status = () => w.co!.store.cluster('cluster_web')?.status;

  it('a new VM that gets a deleted VM’s address, with another host key, joins; the old pin is forgotten', async () => {
    w.repo.push(web(1));
    w.co = await startDaemon(w.repo, w.sim, w.dataDir, { orchestration: 'ssh' });
    await converged(w.co, 'cluster_web', 2);
    const oldIp = ipOf('node_002')!;
    const oldKey = w.fleet.hostKeyFingerprint(oldIp);
    expect(pinned(oldIp)).toBe(oldKey);

    w.repo.push(web(0), 'no workers');
    await w.co.daemon.pollNow();
    await waitFor('node_002 gone', () => ipOf('node_002') === undefined);
    await converged(w.co, 'cluster_web', 1);
    const forgotten = pinned(oldIp);

    w.repo.push(web(1), 'a worker again');
    await w.co.daemon.pollNow();
    const node3 = () => status()?.nodes.find((n) => n.id === 'node_003');
    await waitFor('node_003 joined or refused', () => node3()?.orchestratorStatus === 'ready' || /host key/.test(status()?.lastError ?? ''));
    // The new worker got the old address and presents a key of its own, and it joined the swarm.
    expect(ipOf('node_003')).toBe(oldIp);
    expect(w.fleet.hostKeyFingerprint(oldIp)).not.toBe(oldKey);
    expect(status()?.lastError ?? null).toBeNull();
    expect(node3()).toMatchObject({ status: 'running', orchestratorStatus: 'ready' });
    await converged(w.co, 'cluster_web', 2);
    // The deleted VM's pin went with it; the address is now pinned to the new VM's key.
    expect(forgotten).toBeUndefined();
    expect(pinned(oldIp)).toBe(w.fleet.hostKeyFingerprint(oldIp));
  });

  it('the same VM presenting another host key is still refused (HostKeyChanged), and its pin kept', async () => {
    w.repo.push(web(0));
    w.co = await startDaemon(w.repo, w.sim, w.dataDir, { orchestration: 'ssh' });
    await converged(w.co, 'cluster_web', 1);
    const ip = ipOf('node_001')!;
    const before = pinned(ip);
    await w.fleet.rotateHostKey(ip);
    await w.co.daemon.resync();
    await waitFor('host key refused', () => /host key changed/.test(status()?.lastError ?? ''));
    expect(status()!.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: true, reason: 'HostKeyChanged' });
    expect(before).toBeDefined();
    expect(pinned(ip)).toBe(before);
  });
});
