import { beforeEach, describe, expect, it } from 'vitest';
import { swarm } from '../../../src/orchestrators/commands.js';
import { createFleetRunner } from '../../../src/orchestrators/ssh/fleet-runner.js';
import type { SshRunner } from '../../../src/orchestrators/ssh/types.js';
import { createSwarmAdapter } from '../../../src/orchestrators/swarm/index.js';
import type { OrchestratorAdapter } from '../../../src/orchestrators/types.js';
import { StalledError, TransientError, WaitingError } from '../../../src/reconcile/errors.js';
import { ManualClock } from '../../../src/sim/common/clock.js';
import { createSimHostFleet, type SimHostFleet } from '../../../src/sim/hosts/index.js';
import { Book, node, rejection } from './harness.js';

const ip = (n: number) => `198.51.100.${n}`;
const DRAIN = { timeoutMs: 10_000, pollMs: 500 };

let clock: ManualClock;
let fleet: SimHostFleet;
let adapter: OrchestratorAdapter;
let book: Book;

/** 3 managers (node_001–003) and 2 workers (node_004–005). */
function standardBook(): Book {
  return new Book('swarm', [node(1, 'manager', ip(1)), node(2, 'manager', ip(2)), node(3, 'manager', ip(3)), node(4, 'worker', ip(4)), node(5, 'worker', ip(5))]);
}

function swarmAdapter(ssh: SshRunner = createFleetRunner(fleet)): OrchestratorAdapter {
  return createSwarmAdapter({ ssh, drain: DRAIN, clock });
}

beforeEach(() => {
  clock = new ManualClock();
  fleet = createSimHostFleet({ authorizedKeys: () => [], clock, drainDelayMs: 1_000 });
  adapter = swarmAdapter();
  book = standardBook();
});

const view = () => fleet.swarm(ip(1))!;
const sim = (nodeId: string) => view().nodes.find((n) => n.id === book.members[nodeId]);

describe('swarm adapter: forming a cluster', () => {
  it('inits the first manager, joins managers and workers, and lists them as members', async () => {
    await book.form(adapter);
    expect(view().nodes.map((n) => [n.ip, n.role])).toEqual([
      [ip(1), 'manager'],
      [ip(2), 'manager'],
      [ip(3), 'manager'],
      [ip(4), 'worker'],
      [ip(5), 'worker'],
    ]);
    // The member ids recorded at join are the swarm's node ids.
    expect(Object.values(book.members).sort()).toEqual(view().nodes.map((n) => n.id).sort());
    const members = await adapter.members(book.cluster());
    expect(members).toHaveLength(5);
    expect(members.filter((m) => m.manager).map((m) => m.memberId).sort()).toEqual([1, 2, 3].map((n) => book.members[`node_00${n}`]).sort());
    expect(members.every((m) => m.ready && !m.draining)).toBe(true);
  });

  it('is idempotent: init and join on members return their ids and change nothing', async () => {
    await book.form(adapter);
    const before = view();
    expect(await adapter.init(book.cluster(), book.get('node_001'))).toBe(book.members.node_001);
    expect(await adapter.join(book.cluster(), book.get('node_002'))).toBe(book.members.node_002);
    expect(await adapter.join(book.cluster(), book.get('node_005'))).toBe(book.members.node_005);
    expect(view()).toEqual(before);
  });

  it('reports a refused join as TransientError(JoinFailed) and joins on the next attempt', async () => {
    book = new Book('swarm', [node(1, 'manager', ip(1)), node(4, 'worker', ip(4))]);
    book.members.node_001 = await adapter.init(book.cluster(), book.get('node_001'));
    fleet.refuseJoin(ip(4), 1);
    const err = await rejection(adapter.join(book.cluster(), book.get('node_004')));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.reason).toBe('JoinFailed');
    expect(err.message).toContain('connection refused');
    expect(view().nodes).toHaveLength(1);
    const id = await adapter.join(book.cluster(), book.get('node_004'));
    expect(view().nodes.find((n) => n.id === id)).toMatchObject({ ip: ip(4), role: 'worker', status: 'ready' });
  });

  it('waits for a manager before joining anything', async () => {
    const err = await rejection(adapter.join(book.cluster(), book.get('node_004')));
    expect(err).toBeInstanceOf(WaitingError);
    expect(err.reason).toBe('WaitingForManager');
  });
});

describe('swarm adapter: drain and remove', () => {
  beforeEach(async () => {
    await book.form(adapter);
    fleet.createService(ip(1), 'web', 10);
  });

  it('drains a worker (waiting while tasks move), removes it, and the tasks run on the others', async () => {
    expect(sim('node_005')!.tasks.length).toBeGreaterThan(0);
    const waiting = await rejection(adapter.drain(book.cluster(), book.get('node_005')));
    expect(waiting).toBeInstanceOf(WaitingError);
    expect(waiting).toMatchObject({ reason: 'Draining', requeueAfterMs: DRAIN.pollMs });
    expect(waiting.message).toMatch(/^node_005 still runs web\.\d+/);
    expect(sim('node_005')!.availability).toBe('drain');

    clock.advance(1_000);
    await adapter.drain(book.cluster(), book.get('node_005'));
    expect(sim('node_005')!.tasks).toEqual([]);

    await adapter.remove(book.cluster(), book.get('node_005'));
    expect(sim('node_005')).toBeUndefined();
    expect((await fleet.exec(ip(5), swarm.info())).stdout).toBe('inactive false \n');
    const tasks = view().nodes.flatMap((n) => n.tasks);
    expect(tasks.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `web.${i + 1}`).sort());
    expect(view().pendingTasks).toEqual([]);
    // Again, now that it is gone: nothing to do.
    book.drop('node_005');
    await adapter.remove({ ...book.cluster(), members: { ...book.members, node_005: 'gone' } }, node(5, 'worker', ip(5)));
  });

  it('gives up a blocked drain after its budget: WaitingError first, then StalledError naming the task', async () => {
    fleet.blockDrain(ip(4), 'pinned');
    const first = await rejection(adapter.drain(book.cluster(), book.get('node_004')));
    expect(first).toBeInstanceOf(WaitingError);
    clock.advance(6_000);
    const second = await rejection(adapter.drain(book.cluster(), book.get('node_004')));
    expect(second).toBeInstanceOf(WaitingError);
    expect(second.message).toBe('node_004 still runs pinned.1');
    clock.advance(6_000);
    const stalled = await rejection(adapter.drain(book.cluster(), book.get('node_004')));
    expect(stalled).toBeInstanceOf(StalledError);
    expect(stalled.reason).toBe('DrainTimeout');
    expect(stalled.message).toBe('node_004 still runs pinned.1 after 12s of draining');
    // Lifting the blocker lets the next drain (after a manifest change) finish.
    fleet.blockDrain(ip(4), null);
    await adapter.drain(book.cluster(), book.get('node_004'));
  });

  it('demotes a healthy manager before removing it, and it leaves the swarm', async () => {
    await adapter.drain(book.cluster(), book.get('node_003')).catch(() => undefined);
    clock.advance(1_000);
    await adapter.drain(book.cluster(), book.get('node_003'));
    await adapter.remove(book.cluster(), book.get('node_003'));
    expect(sim('node_003')).toBeUndefined();
    expect(view().nodes.filter((n) => n.role === 'manager').map((n) => n.ip)).toEqual([ip(1), ip(2)]);
    expect(view().hasQuorum).toBe(true);
    expect((await fleet.exec(ip(3), swarm.info())).stdout).toBe('inactive false \n');
  });

  it('removes a lost manager entirely from another manager', async () => {
    await fleet.setDown(ip(3), true);
    // The reconciler may still list the dead manager as running: the adapter fails over.
    await adapter.drain(book.cluster(), book.get('node_003'));
    await adapter.remove(book.cluster(), book.get('node_003'));
    expect(sim('node_003')).toBeUndefined();
    expect(view().nodes.filter((n) => n.role === 'manager')).toHaveLength(2);
    expect(view().hasQuorum).toBe(true);
  });

  it('refuses to remove a healthy manager while another of three is down (QuorumLoss), and changes nothing', async () => {
    await fleet.setDown(ip(3), true);
    book.get('node_003').status = 'unhealthy';
    const err = await rejection(adapter.remove(book.cluster(), book.get('node_002')));
    expect(err).toBeInstanceOf(StalledError);
    expect(err.reason).toBe('QuorumLoss');
    expect(err.message).toContain('node_003');
    expect(sim('node_002')).toMatchObject({ role: 'manager', status: 'ready' });
    expect(view().hasQuorum).toBe(true);
  });

  it('cannot list, and so removes nothing, once quorum is lost (no leader)', async () => {
    await fleet.setDown(ip(2), true);
    await fleet.setDown(ip(3), true);
    book.get('node_002').status = 'unhealthy';
    book.get('node_003').status = 'unhealthy';
    const err = await rejection(adapter.remove(book.cluster(), book.get('node_003')));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('does not have a leader');
    expect(view().nodes).toHaveLength(5);
  });

  it('tears down: the last manager goes only after every other node, and that ends the swarm', async () => {
    for (const id of ['node_003', 'node_002']) {
      await adapter.remove(book.cluster(), book.get(id));
      book.drop(id);
    }
    const early = await rejection(adapter.remove(book.cluster(), book.get('node_001')));
    expect(early).toBeInstanceOf(StalledError);
    expect(early.reason).toBe('QuorumLoss');
    expect(early.message).toContain('node_001 is the last manager');
    for (const id of ['node_005', 'node_004']) {
      await adapter.remove(book.cluster(), book.get(id));
      book.drop(id);
    }
    expect(view().nodes.map((n) => n.ip)).toEqual([ip(1)]);
    await adapter.remove(book.cluster(), book.get('node_001'));
  });
});

describe('swarm adapter: secrets', () => {
  it('never puts the join token in an error, even when the failure echoes the command', async () => {
    book = new Book('swarm', [node(1, 'manager', ip(1)), node(4, 'worker', ip(4))]);
    book.members.node_001 = await adapter.init(book.cluster(), book.get('node_001'));
    const token = (await fleet.exec(ip(1), swarm.joinToken('worker'))).stdout.trim();
    const inner = createFleetRunner(fleet);
    const echoing: SshRunner = {
      run: async (target, command, options) =>
        command.includes('swarm join --token')
          ? { code: 1, stdout: '', stderr: `+ ${command}\nError response from daemon: invalid join token ${token}\n` }
          : inner.run(target, command, options),
      close: async () => undefined,
    };
    const refused = await rejection(swarmAdapter(echoing).join(book.cluster(), book.get('node_004')));
    expect(refused.reason).toBe('JoinFailed');
    expect(refused.message).toContain('invalid join token [redacted]');

    const throwing: SshRunner = {
      run: async (target, command, options) => {
        if (command.includes('swarm join --token')) throw new TransientError('SshUnreachable', `ssh ${target.host}: lost while running ${command}`);
        return inner.run(target, command, options);
      },
      close: async () => undefined,
    };
    const lost = await rejection(swarmAdapter(throwing).join(book.cluster(), book.get('node_004')));
    expect(lost.reason).toBe('SshUnreachable');
    for (const err of [refused, lost]) {
      expect(`${err.message}\n${err.stack}`).not.toContain(token);
      expect(`${err.message}\n${err.stack}`).not.toContain(token.split('-').at(-1));
    }
  });
});
