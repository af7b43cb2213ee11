import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSize } from '../../../src/domain/catalogue/catalogue.js';
import type { Provider, Role } from '../../../src/domain/manifest/types.js';
import { createK3sAdapter } from '../../../src/orchestrators/kubernetes/index.js';
import { ensureKeyPair, type KeyPair } from '../../../src/orchestrators/ssh/keys.js';
import { createMemoryKnownHosts } from '../../../src/orchestrators/ssh/known-hosts.js';
import { createSshRunner } from '../../../src/orchestrators/ssh/runner.js';
import { createSwarmAdapter } from '../../../src/orchestrators/swarm/index.js';
import { createProviderAdapters } from '../../../src/providers/registry.js';
import type { ProviderAdapter } from '../../../src/providers/types.js';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';
import { ManualClock } from '../../../src/sim/common/clock.js';
import { createSimHostFleet, loopbackIps, type SimHostFleet } from '../../../src/sim/hosts/index.js';
import { Book, node } from '../orchestrators/harness.js';

// A loopback block and sshd port of this worker's own.
const BLOCK = `127.79.${(process.pid % 200) + 20}.0/24`;
const PORT = 30_000 + (process.pid % 10_000);

let dir: string;
let keys: KeyPair;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clusterops-hoststate-'));
  keys = await ensureKeyPair(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface World {
  sim: SimCloud;
  fleet: SimHostFleet;
  providers: Record<Provider, ProviderAdapter>;
  close(): Promise<void>;
}

/** The demo's arrangement: a fleet behind the cloud's VMs, both kept in one state file. */
async function startWorld(clock: ManualClock, cidr: string): Promise<World> {
  const fleet = createSimHostFleet({ port: PORT, authorizedKeys: () => [keys.publicKey], clock, drainDelayMs: 0 });
  const sim = await startSimCloud({ state: join(dir, 'sim-state.json'), clock, ips: loopbackIps(cidr), hooks: fleet.hooks(), stateParts: { hosts: fleet } });
  const providers = createProviderAdapters(sim.credentials, { ownerId: 'co-hoststate', endpoints: sim.endpoints() }) as Record<Provider, ProviderAdapter>;
  return { sim, fleet, providers, close: async () => (await sim.close(), await fleet.close()) };
}

async function createVm(world: World, provider: Provider, region: string, n: number, role: Role) {
  const size = lookupSize(provider, region, 'small');
  if (!size.ok) throw new Error(size.message);
  const nodeId = `node_${String(n).padStart(3, '0')}`;
  const vm = await world.providers[provider].create({ region, clusterId: `cluster_${provider}`, clusterName: provider, nodeId, role, plan: 'small', size: size.size.size, requestToken: `tok-${provider}-${n}`, sshPublicKey: keys.publicKey });
  return node(n, role, vm.ip!);
}

describe('the simulated machines resume with the cloud (stateParts)', () => {
  it('swarm and k3s membership, services, join tokens and host keys survive a restart; a new node joins the resumed clusters', async () => {
    const clock = new ManualClock();
    const knownHosts = createMemoryKnownHosts();
    const runner = () => createSshRunner({ privateKey: keys.privateKey, knownHosts, connectTimeoutMs: 3_000, retries: { attempts: 10, delayMs: 100 } });
    let ssh = runner();
    const adapters = () => ({
      swarm: createSwarmAdapter({ ssh, port: PORT, drain: { timeoutMs: 5_000, pollMs: 50 }, clock }),
      k3s: createK3sAdapter({ ssh, port: PORT, drain: { timeoutS: 5, pollMs: 50 }, clock }),
    });

    const first = await startWorld(clock, BLOCK);
    const swarm = new Book('swarm', [await createVm(first, 'hetzner', 'fsn1', 1, 'manager'), await createVm(first, 'hetzner', 'fsn1', 2, 'worker')]);
    const kube = new Book('kubernetes', [await createVm(first, 'digitalocean', 'sfo3', 1, 'manager'), await createVm(first, 'digitalocean', 'sfo3', 2, 'worker')]);
    await swarm.form(adapters().swarm);
    await kube.form(adapters().k3s);
    const [manager, worker] = swarm.nodes.map((n) => n.ip!) as [string, string];
    const server = kube.nodes[0]!.ip!;
    first.fleet.createService(manager, 'web', 4);
    first.fleet.createDeployment(server, 'api', 3);
    await first.fleet.rotateHostKey(worker);
    const ips = [...swarm.nodes, ...kube.nodes].map((n) => n.ip!);
    const before = { swarm: first.fleet.swarm(manager), k3s: first.fleet.k3s(server), keys: ips.map((ip) => first.fleet.hostKeyFingerprint(ip)) };
    expect(before.swarm?.nodes.map((n) => n.status)).toEqual(['ready', 'ready']);
    await ssh.close();
    await first.close();

    // Another block at start: the saved pool (and so every address) wins.
    const second = await startWorld(clock, '127.10.0.0/16');
    ssh = runner();
    try {
      expect({ swarm: second.fleet.swarm(manager), k3s: second.fleet.k3s(server), keys: ips.map((ip) => second.fleet.hostKeyFingerprint(ip)) }).toEqual(before);
      // Over SSH, with the host keys pinned before the restart (a changed key would be refused).
      const members = await adapters().swarm.members(swarm.cluster());
      expect(members.map((m) => [m.memberId, m.ready]).sort()).toEqual(Object.values(swarm.members).map((id) => [id, true]).sort());
      expect((await adapters().k3s.members(kube.cluster())).every((m) => m.ready)).toBe(true);

      const third = await createVm(second, 'hetzner', 'fsn1', 3, 'worker');
      expect(third.ip).not.toBe(undefined);
      expect(ips).not.toContain(third.ip);
      expect(third.ip!.startsWith(BLOCK.slice(0, -5))).toBe(true);
      swarm.nodes.push(third);
      swarm.members[third.id] = await adapters().swarm.join(swarm.cluster(), third);
      const agent = await createVm(second, 'digitalocean', 'sfo3', 3, 'worker');
      kube.nodes.push(agent);
      kube.members[agent.id] = await adapters().k3s.join(kube.cluster(), agent);
      expect(second.fleet.swarm(manager)!.nodes.map((n) => `${n.ip}:${n.status}`)).toEqual(swarm.nodes.map((n) => `${n.ip}:ready`).sort());
      expect(second.fleet.k3s(server)!.nodes.map((n) => n.ready)).toEqual([true, true, true]);
    } finally {
      await ssh.close();
      await second.close();
    }
  });

  it('a state file saved without machines (a vm-only demo) gives each resumed VM a fresh machine with its sshd', async () => {
    const clock = new ManualClock();
    const file = join(dir, 'vm-only-state.json');
    const bare = await startSimCloud({ state: file, clock, ips: loopbackIps(BLOCK.replace('127.79.', '127.80.')) });
    const providers = createProviderAdapters(bare.credentials, { ownerId: 'co-hoststate', endpoints: bare.endpoints() }) as Record<Provider, ProviderAdapter>;
    const size = lookupSize('hetzner', 'fsn1', 'small');
    if (!size.ok) throw new Error(size.message);
    const vm = await providers.hetzner.create({ region: 'fsn1', clusterId: 'cluster_bare', clusterName: 'bare', nodeId: 'node_001', role: 'manager', plan: 'small', size: size.size.size, requestToken: 'tok-bare-1', sshPublicKey: keys.publicKey });
    await bare.close();

    const fleet = createSimHostFleet({ port: PORT, authorizedKeys: () => [keys.publicKey], clock, drainDelayMs: 0 });
    const sim = await startSimCloud({ state: file, clock, ips: loopbackIps('127.10.0.0/16'), hooks: fleet.hooks(), stateParts: { hosts: fleet } });
    const ssh = createSshRunner({ privateKey: keys.privateKey, knownHosts: createMemoryKnownHosts(), connectTimeoutMs: 3_000, retries: { attempts: 3, delayMs: 100 } });
    try {
      const swarm = new Book('swarm', [node(1, 'manager', vm.ip!)]);
      await swarm.form(createSwarmAdapter({ ssh, port: PORT, drain: { timeoutMs: 5_000, pollMs: 50 }, clock }));
      expect(fleet.swarm(vm.ip!)?.nodes.map((n) => [n.ip, n.status])).toEqual([[vm.ip, 'ready']]);
    } finally {
      await ssh.close();
      await sim.close();
      await fleet.close();
    }
  });
});
