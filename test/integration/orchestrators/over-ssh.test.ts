import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { k3s } from '../../../src/orchestrators/commands.js';
import { createK3sAdapter } from '../../../src/orchestrators/kubernetes/index.js';
import { ensureKeyPair, type KeyPair } from '../../../src/orchestrators/ssh/keys.js';
import { createMemoryKnownHosts } from '../../../src/orchestrators/ssh/known-hosts.js';
import { createSshRunner } from '../../../src/orchestrators/ssh/runner.js';
import type { SshRunner } from '../../../src/orchestrators/ssh/types.js';
import { createSwarmAdapter } from '../../../src/orchestrators/swarm/index.js';
import { StalledError, TransientError } from '../../../src/reconcile/errors.js';
import { ManualClock } from '../../../src/sim/common/clock.js';
import type { SimVmView } from '../../../src/sim/common/types.js';
import { createSimHostFleet, loopbackIps, type SimHostFleet } from '../../../src/sim/hosts/index.js';
import { Book, node, rejection } from './harness.js';

// A loopback block and port of this worker's own (the SSH runner's tests use 127.77/16).
const BLOCK = `127.78.${(process.pid % 200) + 20}`;
const PORT = 40_000 + (process.pid % 20_000);
const ips = loopbackIps(`${BLOCK}.0/24`);

let dataDir: string;
let keys: KeyPair;
let fleet: SimHostFleet;
let ssh: SshRunner;
let clock: ManualClock;

const vm = (ip: string, name: string): SimVmView => ({ provider: 'hetzner', id: name, name, region: 'fsn1', size: 'cx22', status: 'running', ip, tags: {}, createdAt: '2026-01-01T00:00:00Z' });

/** `count` VMs with an sshd each, as the simulated cloud's hooks would attach them. */
async function vms(count: number): Promise<string[]> {
  const addresses = Array.from({ length: count }, () => ips.allocate());
  await Promise.all(addresses.map((ip, i) => fleet.attach(vm(ip, `node-${i + 1}`))));
  return addresses;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'clusterops-orch-ssh-'));
  keys = await ensureKeyPair(dataDir);
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  clock = new ManualClock();
  fleet = createSimHostFleet({ port: PORT, authorizedKeys: () => [keys.publicKey], clock, drainDelayMs: 0 });
  ssh = createSshRunner({ privateKey: keys.privateKey, knownHosts: createMemoryKnownHosts(), connectTimeoutMs: 3_000, retries: { attempts: 1, delayMs: 0 } });
});
afterEach(async () => {
  await ssh.close();
  await fleet.close();
});

describe('orchestrator adapters over real SSH (createSshRunner → simulated sshd on loopback)', () => {
  it('swarm: forms a cluster, drains and removes a worker, refuses a quorum loss, removes a lost manager', async () => {
    const [a, b, c, d] = await vms(4);
    const adapter = createSwarmAdapter({ ssh, port: PORT, drain: { timeoutMs: 10_000, pollMs: 100 }, clock });
    const book = new Book('swarm', [node(1, 'manager', a!), node(2, 'manager', b!), node(3, 'manager', c!), node(4, 'worker', d!)]);
    await book.form(adapter);
    expect(fleet.swarm(a!)?.nodes.map((n) => [n.hostname, n.role, n.status])).toEqual([
      ['node-1', 'manager', 'ready'],
      ['node-2', 'manager', 'ready'],
      ['node-3', 'manager', 'ready'],
      ['node-4', 'worker', 'ready'],
    ]);
    expect((await adapter.members(book.cluster())).map((m) => m.memberId).sort()).toEqual(Object.values(book.members).sort());

    fleet.createService(a!, 'web', 8);
    await adapter.drain(book.cluster(), book.get('node_004'));
    await adapter.remove(book.cluster(), book.get('node_004'));
    book.drop('node_004');
    const after = fleet.swarm(a!)!;
    expect(after.nodes.map((n) => n.hostname)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(after.nodes.flatMap((n) => n.tasks)).toHaveLength(8);

    await fleet.setDown(c!, true);
    book.get('node_003').status = 'unhealthy';
    const refused = await rejection(adapter.remove(book.cluster(), book.get('node_002')));
    expect(refused).toBeInstanceOf(StalledError);
    expect(refused.reason).toBe('QuorumLoss');
    await adapter.remove(book.cluster(), book.get('node_003'));
    expect(fleet.swarm(a!)!.nodes.map((n) => [n.hostname, n.role])).toEqual([
      ['node-1', 'manager'],
      ['node-2', 'manager'],
    ]);
    expect(fleet.swarm(a!)!.hasQuorum).toBe(true);
  });

  it('k3s: a refused join keeps the token out of the error, then the cluster forms, drains and removes an agent', async () => {
    const [a, b, c] = await vms(3);
    const adapter = createK3sAdapter({ ssh, port: PORT, drain: { timeoutS: 10, pollMs: 100 }, clock });
    const book = new Book('kubernetes', [node(1, 'manager', a!), node(2, 'worker', b!), node(3, 'worker', c!)]);
    book.members.node_001 = await adapter.init(book.cluster(), book.get('node_001'));
    const token = (await fleet.exec(a!, k3s.token())).stdout.trim();

    fleet.refuseJoin(b!, 1);
    const refused = await rejection(adapter.join(book.cluster(), book.get('node_002')));
    expect(refused).toBeInstanceOf(TransientError);
    expect(refused.reason).toBe('JoinFailed');
    expect(refused.message).not.toContain(token);
    book.members.node_002 = await adapter.join(book.cluster(), book.get('node_002'));
    book.members.node_003 = await adapter.join(book.cluster(), book.get('node_003'));
    expect((await adapter.members(book.cluster())).map((m) => [m.memberId, m.manager, m.ready])).toEqual([
      ['node-001', true, true],
      ['node-002', false, true],
      ['node-003', false, true],
    ]);

    fleet.createDeployment(a!, 'web', 6);
    await adapter.drain(book.cluster(), book.get('node_003'));
    await adapter.remove(book.cluster(), book.get('node_003'));
    const view = fleet.k3s(a!)!;
    expect(view.nodes.map((n) => n.name)).toEqual(['node-001', 'node-002']);
    expect(view.nodes.flatMap((n) => n.pods)).toHaveLength(6);
    expect((await fleet.exec(c!, k3s.status())).stdout).toBe('inactive\n');
  });
});
