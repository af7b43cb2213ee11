import { describe, expect, it } from 'vitest';
import { swarm } from '../../../../src/orchestrators/commands.js';
import { TransientError } from '../../../../src/reconcile/errors.js';
import { ManualClock } from '../../../../src/sim/common/clock.js';
import { SimHostWorld } from '../../../../src/sim/hosts/world.js';

const [M1, M2, M3, W1, W2] = ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.21', '10.0.0.22'] as const;

/** A world with a swarm: managers first, then workers, joined through M1. */
function setUp(managers: string[], workers: string[], drainDelayMs = 1000) {
  const clock = new ManualClock();
  const world = new SimHostWorld({ clock, drainDelayMs });
  for (const [i, ip] of [...managers, ...workers].entries()) world.addHost(ip, `node-${i}`);
  const run = (ip: string, command: string) => world.exec(ip, command);
  const idOf = (ip: string) => run(ip, swarm.info()).stdout.trim().split(' ')[2] ?? '';
  const [first, ...rest] = managers;
  expect(run(first!, swarm.init(first!)).code).toBe(0);
  for (const ip of rest) expect(run(ip, swarm.join(run(first!, swarm.joinToken('manager')).stdout.trim(), first!))).toMatchObject({ code: 0, stdout: 'This node joined a swarm as a manager.\n' });
  for (const ip of workers) expect(run(ip, swarm.join(run(first!, swarm.joinToken('worker')).stdout.trim(), first!))).toMatchObject({ code: 0, stdout: 'This node joined a swarm as a worker.\n' });
  return { clock, world, run, idOf };
}

describe('simulated Docker Swarm: init and join', () => {
  it('reports swarm membership in the info format, before and after init', () => {
    const world = new SimHostWorld();
    expect(world.exec(M1, swarm.info())).toEqual({ code: 0, stdout: 'inactive false \n', stderr: '' });
    const init = world.exec(M1, swarm.init(M1));
    expect(init.stdout).toMatch(/^Swarm initialized: current node \(([0-9a-z]{25})\) is now a manager\./);
    const id = /\(([0-9a-z]{25})\)/.exec(init.stdout)?.[1];
    expect(world.exec(M1, swarm.info()).stdout).toBe(`active true ${id}\n`);
    expect(world.exec(M1, swarm.init(M1))).toMatchObject({ code: 1, stderr: expect.stringContaining('This node is already part of a swarm') });
  });

  it('lists nodes as `<ID> <Status> <Availability> <ManagerStatus or ->`, sorted by hostname', () => {
    const { run, idOf } = setUp([M1, M2, M3], [W1]);
    expect(run(M2, swarm.nodes()).stdout).toBe(
      `${idOf(M1)} Ready Active Leader\n${idOf(M2)} Ready Active Reachable\n${idOf(M3)} Ready Active Reachable\n${idOf(W1)} Ready Active -\n`,
    );
  });

  it('gives each swarm and role its own token and refuses tokens that do not fit', () => {
    const { run, world } = setUp([M1], []);
    world.exec(M2, swarm.init(M2));
    const worker = run(M1, swarm.joinToken('worker')).stdout.trim();
    const manager = run(M1, swarm.joinToken('manager')).stdout.trim();
    const other = run(M2, swarm.joinToken('worker')).stdout.trim();
    expect(new Set([worker, manager, other]).size).toBe(3);
    expect(worker).toMatch(/^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
    const wrongSecret = `${worker.slice(0, -25)}${'x'.repeat(25)}`;
    expect.soft(run(W1, swarm.join('nonsense', M1)).stderr).toBe('Error response from daemon: invalid join token\n');
    expect.soft(run(W1, swarm.join(other, M1)).stderr).toBe('Error response from daemon: remote CA does not match fingerprint\n');
    expect.soft(run(W1, swarm.join(wrongSecret, M1)).stderr).toContain('A valid join token is necessary to join this cluster');
    expect(run(W1, swarm.info()).stdout).toBe('inactive false \n');
  });

  it.each([
    ['an address with no manager', W2],
    ['a worker', W1],
  ])('cannot join through %s', (_what, through) => {
    const { run } = setUp([M1], [W1]);
    const token = run(M1, swarm.joinToken('worker')).stdout.trim();
    expect(run('10.0.0.99', swarm.join(token, through))).toMatchObject({ code: 1, stderr: expect.stringContaining(`code = Unavailable`) });
  });

  it('refuses joins while told to, then lets them through', () => {
    const { run, world } = setUp([M1], []);
    world.refuseJoin(W1, 2);
    const token = run(M1, swarm.joinToken('worker')).stdout.trim();
    expect(run(W1, swarm.join(token, M1)).code).toBe(1);
    expect(run(W1, swarm.join(token, M1)).code).toBe(1);
    expect(run(W1, swarm.join(token, M1)).code).toBe(0);
    expect(world.swarm(M1)?.nodes.map((n) => n.ip).sort()).toEqual([M1, W1]);
  });

  it('keeps cluster commands to managers', () => {
    const { run } = setUp([M1], [W1]);
    expect(run(W1, swarm.nodes())).toMatchObject({ code: 1, stderr: expect.stringContaining("Worker nodes can't be used to view or modify cluster state") });
    expect(run(W2, swarm.nodes())).toMatchObject({ code: 1, stderr: expect.stringContaining('Use "docker swarm init" or "docker swarm join"') });
  });
});

describe('simulated Docker Swarm: down hosts and quorum', () => {
  it('shows a down host as Down/Unreachable, elects another leader, and refuses SSH to it', () => {
    const { run, world, idOf } = setUp([M1, M2, M3], []);
    const id1 = idOf(M1);
    world.setDown(M1, true);
    expect(() => run(M1, swarm.info())).toThrow(TransientError);
    const lines = run(M2, swarm.nodes()).stdout.trim().split('\n');
    expect(lines[0]).toBe(`${id1} Down Active Unreachable`);
    expect(lines.filter((l) => l.endsWith(' Leader'))).toHaveLength(1);
  });

  it('has no leader, and so no cluster commands, once a majority of managers is down', () => {
    const { run, world } = setUp([M1, M2, M3], []);
    world.setDown(M2, true);
    world.setDown(M3, true);
    expect(run(M1, swarm.nodes())).toMatchObject({ code: 1, stderr: expect.stringContaining('The swarm does not have a leader') });
    expect(world.swarm(M1)).toMatchObject({ hasQuorum: false, leaderId: null });
    world.setDown(M3, false);
    expect(run(M1, swarm.nodes()).code).toBe(0);
  });

  it.each([
    ['the last manager', [M1], M1, 1, 'attempting to demote the last manager of the swarm'],
    ['a healthy manager while another is down', [M1, M2, M3], M2, 1, "can't remove member from the raft: this would result in a loss of quorum"],
    ['the down manager', [M1, M2, M3], M3, 0, 'demoted in the swarm'],
  ])('demote %s', (_what, managers, target, code, message) => {
    const { run, world, idOf } = setUp(managers, []);
    const id = idOf(target);
    if (managers.length === 3) world.setDown(M3, true);
    const result = run(M1, swarm.demote(id));
    expect(result.code).toBe(code);
    expect(result.stdout + result.stderr).toContain(message);
    expect(world.swarm(M1)?.nodes.find((n) => n.id === id)?.role).toBe(code === 0 ? 'worker' : 'manager');
  });

  it('treats demoting a worker as done', () => {
    const { run, idOf } = setUp([M1], [W1]);
    expect(run(M1, swarm.demote(idOf(W1)))).toEqual({ code: 0, stdout: `Node ${idOf(W1)} is already a worker.\n`, stderr: '' });
  });
});

describe('simulated Docker Swarm: drain', () => {
  it('moves tasks off a drained node once the delay has passed', () => {
    const { run, world, clock, idOf } = setUp([M1], [W1, W2]);
    world.createService(M1, 'web', 6);
    const id = idOf(W1);
    expect(world.swarm(M1)?.nodes.map((n) => n.tasks.length)).toEqual([2, 2, 2]);
    expect(run(M1, swarm.drain(id))).toEqual({ code: 0, stdout: `${id}\n`, stderr: '' });
    expect(run(M1, swarm.runningTasks(id)).stdout).toMatch(/^[0-9a-z]{25} web\.\d Running less than a second ago\n[0-9a-z]{25} web\.\d Running less than a second ago\n$/);
    clock.advance(1000);
    expect(run(M1, swarm.runningTasks(id)).stdout).toBe('');
    expect(run(M1, swarm.nodes()).stdout).toContain(`${id} Ready Drain -`);
    const view = world.swarm(M1)!;
    expect(view.nodes.map((n) => n.tasks.length)).toEqual([3, 0, 3]);
    expect(view.nodes.flatMap((n) => n.tasks).sort()).toEqual(['web.1', 'web.2', 'web.3', 'web.4', 'web.5', 'web.6']);
  });

  it('leaves tasks in place when no other node is active', () => {
    const { run, world, clock, idOf } = setUp([M1], [W1]);
    world.createService(M1, 'web', 2);
    run(M1, swarm.drain(idOf(M1)));
    run(M1, swarm.drain(idOf(W1)));
    clock.advance(60_000);
    expect(run(M1, swarm.runningTasks(idOf(W1))).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('never moves the task pinned by blockDrain, until the block is lifted', () => {
    const { run, world, clock, idOf } = setUp([M1], [W1]);
    world.blockDrain(W1, 'db');
    run(M1, swarm.drain(idOf(W1)));
    clock.advance(3_600_000);
    expect(run(M1, swarm.runningTasks(idOf(W1))).stdout).toMatch(/^[0-9a-z]{25} db\.1 Running about an hour ago\n$/);
    world.blockDrain(W1, null);
    expect(run(M1, swarm.runningTasks(idOf(W1))).stdout).toBe('');
  });

  it('answers a node it does not know with Docker\'s message', () => {
    const { run } = setUp([M1], []);
    expect(run(M1, swarm.drain('nope'))).toMatchObject({ code: 1, stderr: 'Error response from daemon: node nope not found\n' });
  });
});

describe('simulated Docker Swarm: leave and remove', () => {
  it('lets a worker leave (listed Down until removed), then removes it from a manager', () => {
    const { run, world, idOf } = setUp([M1], [W1]);
    const id = idOf(W1);
    expect(run(W1, swarm.leave())).toEqual({ code: 0, stdout: 'Node left the swarm.\n', stderr: '' });
    expect(run(W1, swarm.info()).stdout).toBe('inactive false \n');
    expect(run(M1, swarm.nodes()).stdout).toContain(`${id} Down Active -`);
    expect(run(M1, swarm.remove(id))).toEqual({ code: 0, stdout: `${id}\n`, stderr: '' });
    expect(world.swarm(M1)?.nodes.map((n) => n.ip)).toEqual([M1]);
    expect(run(W1, swarm.leave()).stderr).toBe('Error response from daemon: This node is not part of a swarm\n');
  });

  it.each([
    ['the last manager', [M1], 'Removing the last manager erases all current state of the swarm.'],
    ['one of two', [M1, M2], 'Removing this node leaves 1 managers out of 2. Without a Raft quorum your swarm will be inaccessible.'],
    ['one of three', [M1, M2, M3], 'The only way to restore a swarm that has lost consensus is to reinitialize it with `--force-new-cluster`.'],
  ])('refuses to let a manager leave: %s', (_what, managers, message) => {
    const { run, world } = setUp(managers, []);
    const result = run(M1, swarm.leave());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('You are attempting to leave the swarm on a node that is participating as a manager.');
    expect(result.stderr).toContain(message);
    expect(world.swarm(M1)?.nodes).toHaveLength(managers.length);
  });

  it('refuses to remove a manager, and force-removes a live worker (whose daemon then drops out)', () => {
    const { run, world, clock, idOf } = setUp([M1, M2, M3], [W1]);
    world.createService(M1, 'web', 4);
    expect(run(M1, swarm.remove(idOf(M2)))).toMatchObject({ code: 1, stderr: expect.stringContaining('must be demoted to worker before removal') });
    const w1 = idOf(W1);
    expect(run(M1, swarm.remove(w1)).code).toBe(0);
    expect(run(W1, swarm.info()).stdout).toBe('inactive false \n');
    clock.advance(1);
    const view = world.swarm(M1)!;
    expect(view.nodes.map((n) => n.ip)).toEqual([M1, M2, M3]);
    expect(view.nodes.flatMap((n) => n.tasks)).toHaveLength(4);
  });

  it('keeps every host in its own swarm', () => {
    const { world } = setUp([M1], [W1]);
    world.exec(M2, swarm.init(M2));
    expect(world.swarm(W1)?.id).toBe(world.swarm(M1)?.id);
    expect(world.swarm(M2)?.id).not.toBe(world.swarm(M1)?.id);
    expect(world.swarm(W2)).toBeUndefined();
  });
});
