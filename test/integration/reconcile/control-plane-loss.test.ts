import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TAG } from '../../../src/providers/ownership.js';
import type { SimVmView } from '../../../src/sim/common/types.js';
import { loopbackIps } from '../../../src/sim/hosts/index.js';
import { deleteBehindItsBack, group, manifest, sshDaemonWorld, startDaemon, vmsOf, waitFor } from './harness.js';

/**
 * Issue 15 part 2: every manager of a converged cluster disappears behind clusterops' back (deleted
 * in the provider's console: here, by the provider API with the account's own token). The daemon
 * joins nodes over real SSH to simulated machines, as in the demo. It must bootstrap a new control
 * plane on new managers and bring the surviving workers into it, and say so loudly.
 */

const CLUSTER = 'cluster_web';

describe.each(['swarm', 'kubernetes'] as const)('a %s cluster whose every manager is gone', (orchestrator) => {
  const w = sshDaemonWorld('clusterops-cploss-', () => loopbackIps(`127.${130 + randomInt(30)}.${randomInt(256)}.0/24`));

  const web = () => ({ 'clusters/web.yaml': manifest('web', { id: CLUSTER, orchestrator, groups: [group('manager', 'small', 1), group('worker', 'small', 2)].join('\n') }) });
  const vms = () => vmsOf(w.sim, CLUSTER);
  const ipOf = (node: string) => vms().find((v) => v.tags[TAG.node] === node)?.ip;
  const status = () => w.co!.store.cluster(CLUSTER)?.status;
  const managers = () => vms().filter((v) => v.tags[TAG.role] === 'manager');
  /**
   * Deletes VMs as a person would in the provider's console: with the account's token, not
   * through clusterops; then waits until they are gone and past the daemon's listing cache.
   */
  const deleteInConsole = async (gone: SimVmView[]) => {
    for (const vm of gone) await deleteBehindItsBack(w.sim, vm);
    const ids = gone.map((v) => v.id);
    await waitFor('the VMs gone', () => !vms().some((v) => ids.includes(v.id)));
    await sleep(300);
  };
  /** The members of the orchestrator cluster the node at `ip` is in, by address. */
  const membersSeenFrom = (ip: string): string[] =>
    orchestrator === 'swarm'
      ? (w.fleet.swarm(ip)?.nodes.filter((n) => n.status === 'ready').map((n) => n.ip) ?? []).sort()
      : (w.fleet.k3s(ip)?.nodes.filter((n) => n.ready).map((n) => n.ip) ?? []).sort();
  const clusterIdSeenFrom = (ip: string) => (orchestrator === 'swarm' ? w.fleet.swarm(ip)?.id : w.fleet.k3s(ip)?.id);
  const dump = () => JSON.stringify({ status: status(), events: w.co?.store.cluster(CLUSTER)?.events, vms: vms().map((v) => [v.tags[TAG.node], v.status, v.ip]) }, null, 1);
  const running = (n: number) => {
    const s = status();
    return s?.status === 'running' && s.nodes.length === n && s.nodes.every((x) => x.status === 'running' && x.orchestratorStatus === 'ready');
  };

  it('bootstraps a new control plane on a new manager; the surviving workers leave the dead one and join it', async () => {
    w.repo.push(web());
    w.co = await startDaemon(w.repo, w.sim, w.dataDir, { orchestration: 'ssh' });
    await waitFor('converged', () => running(3), 30_000);
    const oldCluster = clusterIdSeenFrom(ipOf('node_001')!);
    const workers = { node_002: ipOf('node_002')!, node_003: ipOf('node_003')! };

    await deleteInConsole(managers());
    await w.co.daemon.resync();
    await waitFor('running again', () => running(3) && status()!.nodes.some((n) => n.id === 'node_004'), 20_000).catch((e) => { console.log(dump()); throw e; });

    // The declared world: one manager (a new node) and the same two workers, nothing more.
    expect(vms().map((v) => `${v.tags[TAG.node]}:${v.tags[TAG.role]}`).sort()).toEqual(['node_002:worker', 'node_003:worker', 'node_004:manager']);
    expect({ node_002: ipOf('node_002'), node_003: ipOf('node_003') }).toEqual(workers);
    // A new orchestrator cluster, and every survivor is a ready member of it.
    const newManager = ipOf('node_004')!;
    const newCluster = clusterIdSeenFrom(newManager);
    expect(newCluster).toBeDefined();
    expect(newCluster).not.toBe(oldCluster);
    expect(membersSeenFrom(newManager)).toEqual([newManager, workers.node_002, workers.node_003].sort());
    expect(clusterIdSeenFrom(workers.node_002)).toBe(newCluster);
    expect(clusterIdSeenFrom(workers.node_003)).toBe(newCluster);

    // Said loudly: events, the Ready condition, and the status file in Git.
    const rec = w.co.store.cluster(CLUSTER)!;
    const messages = rec.events.map((e) => e.message);
    expect(messages).toContainEqual(expect.stringMatching(/^control plane lost: node_001 gone; a new one is bootstrapped and node_002, node_003 rejoin it/));
    expect(messages).toContain('control plane lost (node_001): recreated on node_004; workloads and cluster state of the old one did not survive');
    expect(messages).toContain('node_002 left the lost control plane and joined the new one as worker');
    const ready = status()!.conditions.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: true, reason: 'ControlPlaneRecreated' });
    expect(ready.message).toMatch(/did not survive/);
    await waitFor('the status file in Git says so', () => /reason: ControlPlaneRecreated/.test(w.repo.show('status/web.yaml') ?? ''), 20_000);

    // Converged: the next pass does nothing more.
    const events = rec.events.length;
    const before = vms().map((v) => v.id).sort();
    await w.co.daemon.resync();
    expect(vms().map((v) => v.id).sort()).toEqual(before);
    expect(w.co.store.cluster(CLUSTER)!.events.slice(events).filter((e) => e.type !== 'info')).toEqual([]);
  });

  it('managers that exist but have not answered past the replacement window are lost too: deleted, and a new control plane bootstrapped', async () => {
    w.repo.push(web());
    w.co = await startDaemon(w.repo, w.sim, w.dataDir, { orchestration: 'ssh', unhealthyReplaceAfterMs: 1_500 });
    await waitFor('converged', () => running(3), 30_000);
    const oldManager = managers()[0]!;
    await w.fleet.setDown(oldManager.ip!, true);
    await w.co.daemon.resync();
    await waitFor('running again', () => running(3) && status()!.nodes.some((n) => n.id === 'node_004'), 30_000).catch((e) => { console.log(dump()); throw e; });
    // The unreachable manager's VM was deleted by clusterops (it could come back and split the cluster).
    expect(vms().some((v) => v.id === oldManager.id)).toBe(false);
    expect(vms().map((v) => `${v.tags[TAG.node]}:${v.tags[TAG.role]}`).sort()).toEqual(['node_002:worker', 'node_003:worker', 'node_004:manager']);
    expect(membersSeenFrom(ipOf('node_004')!)).toEqual([ipOf('node_002'), ipOf('node_003'), ipOf('node_004')].sort());
    expect(w.co.store.cluster(CLUSTER)!.events.map((e) => e.message)).toContainEqual(expect.stringMatching(/^control plane lost: node_001 unreachable/));
  });

  it('while the provider refuses creates, the cluster is error with a Stalled reason, not updating; it recovers once creates work', async () => {
    w.repo.push(web());
    w.co = await startDaemon(w.repo, w.sim, w.dataDir, { orchestration: 'ssh' });
    await waitFor('converged', () => running(3), 30_000);
    w.sim.emulators.digitalocean.faults.add({ kind: 'status', status: 500, operation: 'droplets.create', times: 1_000 });

    await deleteInConsole(managers());
    await w.co.daemon.resync();
    await waitFor('error', () => status()?.status === 'error', 15_000).catch((e) => { console.log(dump()); throw e; });
    const stalled = status()!.conditions.find((c) => c.type === 'Stalled')!;
    expect(stalled).toMatchObject({ status: true, reason: 'ControlPlaneLost' });
    expect(stalled.message).toMatch(/control plane lost \(node_001\).*cannot recreate it yet/);
    expect(managers()).toEqual([]);

    w.sim.emulators.digitalocean.faults.clear();
    await w.co.daemon.resync();
    await waitFor('running again', () => running(3), 30_000);
    expect(managers()).toHaveLength(1);
  });
});
