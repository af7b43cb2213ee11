import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Provider } from '../../../src/domain/manifest/types.js';
import { TAG } from '../../../src/providers/ownership.js';
import { loopbackIps } from '../../../src/sim/hosts/index.js';
import { group, manifest, sshDaemonWorld, startDaemon, vmsOf, waitFor } from './harness.js';

/**
 * Issue 16 item 1, end to end: the daemon joins nodes over real SSH to simulated machines that,
 * like DigitalOcean's and Hetzner's, refuse every command while their root password must be
 * changed: that is, when the VM was created without a key registered with the provider.
 */
describe('nodes join on DigitalOcean and Hetzner because VMs are created with the registered key', () => {
  const w = sshDaemonWorld('clusterops-sshkeys-', () => loopbackIps(`127.${100 + randomInt(50)}.${randomInt(256)}.0/24`));

  const clusters: [Provider, string, string][] = [
    ['digitalocean', 'sfo3', 'cluster_do'],
    ['hetzner', 'fsn1', 'cluster_hz'],
  ];
  const files = (orchestrator: string) =>
    Object.fromEntries(
      clusters.map(([provider, region, id]) => [
        `clusters/${provider}.yaml`,
        manifest(provider, { id, provider, region, orchestrator, groups: [group('manager', 'small', 1), group('worker', 'small', 1)].join('\n') }),
      ]),
    );
  const status = (id: string) => w.co!.store.cluster(id)?.status;
  const settled = (id: string) => {
    const s = status(id);
    return (s?.status === 'running' && s.nodes.length === 2 && s.nodes.every((n) => n.orchestratorStatus === 'ready')) || s?.conditions.some((c) => c.type === 'Stalled' && c.status) === true;
  };
  const heldKeys = async (provider: Provider) => {
    const base = w.sim.endpoints()[provider].replace(/\/v\d$/, '');
    return ((await (await fetch(`${base}/__sim/state`)).json()) as { sshKeys: { name: string }[] }).sshKeys;
  };

  it.each(['swarm', 'kubernetes'])('%s: every node of both clusters is ready; one key per account, named for this instance', async (orchestrator) => {
    w.repo.push(files(orchestrator));
    w.co = await startDaemon(w.repo, w.sim, w.dataDir, { orchestration: 'ssh' });
    for (const [, , id] of clusters) await waitFor(`${id} ready or stalled`, () => settled(id), 60_000);
    for (const [provider, , id] of clusters) {
      expect(status(id)?.lastError ?? null).toBeNull();
      expect(status(id)?.nodes.map((n) => n.orchestratorStatus)).toEqual(['ready', 'ready']);
      const vms = vmsOf(w.sim, id);
      expect(vms.map((v) => [v.provider, v.providerSshKey])).toEqual([
        [provider, true],
        [provider, true],
      ]);
      const manager = vms.find((v) => v.tags[TAG.role] === 'manager')!.ip!;
      const members = orchestrator === 'swarm' ? w.fleet.swarm(manager)?.nodes : w.fleet.k3s(manager)?.nodes;
      expect(members).toHaveLength(2);
      expect(await heldKeys(provider)).toEqual([expect.objectContaining({ name: expect.stringMatching(new RegExp(`^clusterops-${w.co.store.instanceId}-[0-9a-f]{8}$`)) })]);
    }
  });

  /** Starts the daemon on one provider's cluster while that provider answers key registrations with `status`; the cluster's status once stalled. */
  async function stallOnKeyRegistration(provider: 'digitalocean' | 'hetzner', id: string, faultStatus: number, reason: string) {
    w.sim.emulators[provider].faults.add({ kind: 'status', status: faultStatus, operation: 'ssh_keys.create', times: 1000 });
    w.repo.push({ [`clusters/${provider}.yaml`]: files('swarm')[`clusters/${provider}.yaml`]! });
    w.co = await startDaemon(w.repo, w.sim, w.dataDir, { orchestration: 'ssh' });
    await waitFor(`${id} stalled`, () => settled(id));
    expect(status(id)!.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: true, reason });
    expect(JSON.stringify(status(id))).not.toContain(w.sim.credentials[provider].token);
    expect(vmsOf(w.sim, id)).toEqual([]);
    return status(id)!;
  }

  it('a token that may not register SSH keys stalls the cluster with a reason naming the scopes, without the token', async () => {
    const stalled = await stallOnKeyRegistration('digitalocean', 'cluster_do', 403, 'Unauthorized');
    expect(stalled.lastError).toMatch(/ssh_key:read and ssh_key:create/);
  });

  it('a key the provider refuses to register stalls the cluster with SshKeyRejected, and no VM is made', async () => {
    const stalled = await stallOnKeyRegistration('hetzner', 'cluster_hz', 422, 'SshKeyRejected');
    expect(stalled.lastError).toMatch(/Hetzner refused to register clusterops' SSH key/);
  });
});
