import { beforeEach, describe, expect, it } from 'vitest';
import { k3s } from '../../../src/orchestrators/commands.js';
import { createK3sAdapter } from '../../../src/orchestrators/kubernetes/index.js';
import { createFleetRunner } from '../../../src/orchestrators/ssh/fleet-runner.js';
import type { SshRunner } from '../../../src/orchestrators/ssh/types.js';
import type { OrchestratorAdapter } from '../../../src/orchestrators/types.js';
import { StalledError, TransientError, WaitingError } from '../../../src/reconcile/errors.js';
import { ManualClock } from '../../../src/sim/common/clock.js';
import { createSimHostFleet, type SimHostFleet } from '../../../src/sim/hosts/index.js';
import { Book, node, rejection } from './harness.js';

const ip = (n: number) => `198.51.100.${n}`;

let clock: ManualClock;
let fleet: SimHostFleet;
let adapter: OrchestratorAdapter;
let book: Book;

function k3sAdapter(ssh: SshRunner = createFleetRunner(fleet)): OrchestratorAdapter {
  return createK3sAdapter({ ssh, drain: { timeoutS: 10, pollMs: 500 }, clock });
}

beforeEach(() => {
  clock = new ManualClock();
  fleet = createSimHostFleet({ authorizedKeys: () => [], clock });
  adapter = k3sAdapter();
  // 3 servers (node_001–003) and 2 agents (node_004–005).
  book = new Book('kubernetes', [node(1, 'manager', ip(1)), node(2, 'manager', ip(2)), node(3, 'manager', ip(3)), node(4, 'worker', ip(4)), node(5, 'worker', ip(5))]);
});

const view = () => fleet.k3s(ip(1))!;
const sim = (name: string) => view().nodes.find((n) => n.name === name);

describe('k3s adapter: forming a cluster', () => {
  it('inits the first server, joins servers and agents under node-NNN names, and lists them', async () => {
    await book.form(adapter);
    expect(book.members).toEqual({ node_001: 'node-001', node_002: 'node-002', node_003: 'node-003', node_004: 'node-004', node_005: 'node-005' });
    expect(view().nodes.map((n) => [n.name, n.ip, n.role, n.etcdMember, n.ready])).toEqual([
      ['node-001', ip(1), 'server', true, true],
      ['node-002', ip(2), 'server', true, true],
      ['node-003', ip(3), 'server', true, true],
      ['node-004', ip(4), 'agent', false, true],
      ['node-005', ip(5), 'agent', false, true],
    ]);
    const members = await adapter.members(book.cluster());
    expect(members.map((m) => [m.memberId, m.manager, m.ready, m.draining])).toEqual([
      ['node-001', true, true, false],
      ['node-002', true, true, false],
      ['node-003', true, true, false],
      ['node-004', false, true, false],
      ['node-005', false, true, false],
    ]);
  });

  it('is idempotent: init and join on members return their names and change nothing', async () => {
    await book.form(adapter);
    const before = view();
    expect(await adapter.init(book.cluster(), book.get('node_001'))).toBe('node-001');
    expect(await adapter.join(book.cluster(), book.get('node_003'))).toBe('node-003');
    expect(await adapter.join(book.cluster(), book.get('node_004'))).toBe('node-004');
    expect(view()).toEqual(before);
  });

  it('reports a failed join as TransientError(JoinFailed) and joins on the next attempt', async () => {
    book = new Book('kubernetes', [node(1, 'manager', ip(1)), node(4, 'worker', ip(4))]);
    book.members.node_001 = await adapter.init(book.cluster(), book.get('node_001'));
    fleet.refuseJoin(ip(4), 1);
    const err = await rejection(adapter.join(book.cluster(), book.get('node_004')));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.reason).toBe('JoinFailed');
    expect(err.message).toContain('k3s-agent.service failed');
    expect(sim('node-004')).toBeUndefined();
    // The failed install left a dead service behind; the next attempt re-runs the script.
    expect(await adapter.join(book.cluster(), book.get('node_004'))).toBe('node-004');
    expect(sim('node-004')).toMatchObject({ role: 'agent', ready: true });
  });
});

describe('k3s adapter: drain and remove', () => {
  beforeEach(async () => {
    await book.form(adapter);
    fleet.createDeployment(ip(1), 'web', 10);
  });

  it('cordons and drains an agent, removes it, and its pods run on the other nodes', async () => {
    expect(sim('node-005')!.pods.length).toBeGreaterThan(0);
    await adapter.drain(book.cluster(), book.get('node_005'));
    expect(sim('node-005')).toMatchObject({ schedulable: false, pods: [] });
    expect((await adapter.members(book.cluster())).find((m) => m.memberId === 'node-005')?.draining).toBe(true);

    await adapter.remove(book.cluster(), book.get('node_005'));
    expect(sim('node-005')).toBeUndefined();
    expect((await fleet.exec(ip(5), k3s.status())).stdout).toBe('inactive\n');
    expect(view().nodes.flatMap((n) => n.pods).filter((p) => p.startsWith('web-'))).toHaveLength(10);
    expect(view().pendingPods).toEqual([]);
    // Again, now that it is gone: nothing to do.
    await adapter.remove(book.cluster(), book.get('node_005'));
  });

  it('gives up a blocked drain after its budget: WaitingError first, then StalledError naming the pod', async () => {
    fleet.blockDrain(ip(4), 'db-0');
    const first = await rejection(adapter.drain(book.cluster(), book.get('node_004')));
    expect(first).toBeInstanceOf(WaitingError);
    expect(first).toMatchObject({ reason: 'Draining', requeueAfterMs: 500 });
    expect(first.message).toContain('node_004 still runs pod default/db-0');
    expect(first.message).toContain("disruption budget");
    clock.advance(11_000);
    const stalled = await rejection(adapter.drain(book.cluster(), book.get('node_004')));
    expect(stalled).toBeInstanceOf(StalledError);
    expect(stalled.reason).toBe('DrainTimeout');
    expect(stalled.message).toMatch(/^node_004 still runs pod default\/db-0 \(.*\) after 11s of draining$/);
    // The evictable pods left while the blocker held the node.
    expect(sim('node-004')!.pods).toEqual(['db-0']);
  });

  it('removes a server through another server: its etcd membership goes with the node', async () => {
    await adapter.drain(book.cluster(), book.get('node_003'));
    await adapter.remove(book.cluster(), book.get('node_003'));
    expect(view().nodes.filter((n) => n.etcdMember).map((n) => n.name)).toEqual(['node-001', 'node-002']);
    expect(view().hasQuorum).toBe(true);
    expect((await fleet.exec(ip(3), k3s.status())).stdout).toBe('inactive\n');
  });

  it('removes a lost server from another server without needing it', async () => {
    await fleet.setDown(ip(3), true);
    await adapter.drain(book.cluster(), book.get('node_003'));
    await adapter.remove(book.cluster(), book.get('node_003'));
    expect(sim('node-003')).toBeUndefined();
    expect(view().nodes.filter((n) => n.etcdMember)).toHaveLength(2);
    expect(view().hasQuorum).toBe(true);
    expect(view().pendingPods).toEqual([]);
  });

  it('refuses to remove a healthy server while another of three is down (QuorumLoss), and changes nothing', async () => {
    await fleet.setDown(ip(3), true);
    book.get('node_003').status = 'unhealthy';
    const err = await rejection(adapter.remove(book.cluster(), book.get('node_002')));
    expect(err).toBeInstanceOf(StalledError);
    expect(err.reason).toBe('QuorumLoss');
    expect(err.message).toContain('node_003');
    expect(sim('node-002')).toMatchObject({ etcdMember: true, ready: true });
    expect((await fleet.exec(ip(2), k3s.status())).stdout).toBe('active\n');
  });

  it('tears down: the last server goes only after every other node', async () => {
    for (const id of ['node_003', 'node_002']) {
      await adapter.remove(book.cluster(), book.get(id));
      book.drop(id);
    }
    const early = await rejection(adapter.remove(book.cluster(), book.get('node_001')));
    expect(early).toMatchObject({ reason: 'QuorumLoss', message: expect.stringContaining('node_001 is the last manager') });
    for (const id of ['node_005', 'node_004']) {
      await adapter.remove(book.cluster(), book.get(id));
      book.drop(id);
    }
    await adapter.remove(book.cluster(), book.get('node_001'));
    expect((await fleet.exec(ip(1), k3s.status())).stdout).toBe('inactive\n');
  });
});

describe('k3s adapter: secrets', () => {
  it('never puts the cluster token in an error, even when the failure echoes the command', async () => {
    book = new Book('kubernetes', [node(1, 'manager', ip(1)), node(4, 'worker', ip(4))]);
    book.members.node_001 = await adapter.init(book.cluster(), book.get('node_001'));
    const token = (await fleet.exec(ip(1), k3s.token())).stdout.trim();
    const inner = createFleetRunner(fleet);
    const echoing: SshRunner = {
      run: async (target, command, options) =>
        command.includes('K3S_TOKEN=') ? { code: 1, stdout: '', stderr: `+ ${command}\n[ERROR] token ${token} rejected\n` } : inner.run(target, command, options),
      close: async () => undefined,
    };
    const err = await rejection(k3sAdapter(echoing).join(book.cluster(), book.get('node_004')));
    expect(err.reason).toBe('JoinFailed');
    expect(err.message).toContain('[redacted]');
    expect(`${err.message}\n${err.stack}`).not.toContain(token);
    expect(`${err.message}\n${err.stack}`).not.toContain(token.split(':').at(-1));
  });
});
