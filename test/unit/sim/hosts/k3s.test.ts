import { describe, expect, it } from 'vitest';
import { k3s } from '../../../../src/orchestrators/commands.js';
import { ManualClock } from '../../../../src/sim/common/clock.js';
import { SimHostWorld } from '../../../../src/sim/hosts/world.js';

const [S1, S2, S3, A1, A2] = ['10.1.0.11', '10.1.0.12', '10.1.0.13', '10.1.0.21', '10.1.0.22'] as const;
const names: Record<string, string> = { [S1]: 's1', [S2]: 's2', [S3]: 's3', [A1]: 'a1', [A2]: 'a2' };

/** A k3s cluster: S1 initialises, other servers and agents join through it. */
function setUp(servers: string[], agents: string[]) {
  const clock = new ManualClock();
  const world = new SimHostWorld({ clock });
  const run = (ip: string, command: string) => world.exec(ip, command);
  const [first, ...rest] = servers;
  expect(run(first!, k3s.initServer(first!, names[first!]!)).code).toBe(0);
  const token = run(first!, k3s.token()).stdout.trim();
  for (const ip of rest) expect(run(ip, k3s.joinServer(token, first!, ip, names[ip]!)).code).toBe(0);
  for (const ip of agents) expect(run(ip, k3s.joinAgent(token, first!, ip, names[ip]!)).code).toBe(0);
  return { clock, world, run, token };
}

const columns = (stdout: string) => stdout.trim().split('\n').map((line) => line.split(/\s+/));

describe('simulated k3s: install and join', () => {
  it('starts a cluster with embedded etcd on the first server', () => {
    const world = new SimHostWorld();
    expect(world.exec(S1, k3s.status()).stdout).toBe('inactive\n');
    const install = world.exec(S1, k3s.initServer(S1, 's1'));
    expect(install).toMatchObject({ code: 0, stdout: expect.stringContaining('[INFO]  systemd: Starting k3s\n') });
    expect(world.exec(S1, k3s.status()).stdout).toBe('active\n');
    expect(world.exec(S1, k3s.token()).stdout).toMatch(/^K10[0-9a-f]{64}::server:[0-9a-f]{32}\n$/);
    expect(world.k3s(S1)?.nodes).toEqual([{ name: 's1', ip: S1, role: 'server', ready: true, schedulable: true, etcdMember: true, pods: [] }]);
    expect(world.exec(S1, k3s.initServer(S1, 's1')).code).toBe(0);
  });

  it('lists nodes in kubectl\'s no-header columns, with ages from the clock', () => {
    const { run, clock } = setUp([S1, S2], [A1]);
    clock.advance(400_000);
    run(S1, k3s.cordon('a1'));
    const out = run(S2, k3s.nodes()).stdout;
    expect(columns(out)).toEqual([
      ['a1', 'Ready,SchedulingDisabled', '<none>', '6m40s', 'v1.31.6+k3s1'],
      ['s1', 'Ready', 'control-plane,etcd,master', '6m40s', 'v1.31.6+k3s1'],
      ['s2', 'Ready', 'control-plane,etcd,master', '6m40s', 'v1.31.6+k3s1'],
    ]);
    expect(out.split('\n')[0]).toBe('a1   Ready,SchedulingDisabled   <none>                      6m40s   v1.31.6+k3s1');
  });

  it.each([
    ['a wrong token', (token: string) => k3s.joinAgent(`${token}x`, S1, A1, 'a1')],
    ['a server address with no k3s', (token: string) => k3s.joinAgent(token, '10.1.0.99', A1, 'a1')],
    ['another host\'s node-ip', (token: string) => k3s.joinAgent(token, S1, A2, 'a1')],
    ['a node name already registered', (token: string) => k3s.joinAgent(token, S1, A1, 's1')],
  ])('fails to join with %s, as systemd reports it', (_what, command) => {
    const { run, world, token } = setUp([S1], []);
    const result = run(A1, command(token));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Job for k3s-agent.service failed because the control process exited with error code.\nSee "systemctl status k3s-agent.service" and "journalctl -xeu k3s-agent.service" for details.\n');
    expect(run(A1, k3s.status()).stdout).toBe('inactive\n');
    expect(world.k3s(S1)?.nodes.map((n) => n.name)).toEqual(['s1']);
    expect(run(A1, k3s.joinAgent(token, S1, A1, 'a1')).code).toBe(0);
  });

  it('refuses joins while told to', () => {
    const { run, world, token } = setUp([S1], []);
    world.refuseJoin(S2, 1);
    expect(run(S2, k3s.joinServer(token, S1, S2, 's2')).stderr).toContain('Job for k3s.service failed');
    expect(run(S2, k3s.joinServer(token, S1, S2, 's2')).code).toBe(0);
    expect(world.k3s(S1)?.nodes.filter((n) => n.etcdMember)).toHaveLength(2);
  });

  it.each([
    ['an agent', A1, 1, 'The connection to the server localhost:8080 was refused'],
    ['a host without k3s', A2, 127, 'k3s: command not found'],
  ])('has no kubectl access on %s', (_what, ip, code, message) => {
    const { run } = setUp([S1], [A1]);
    expect(run(ip, k3s.nodes())).toMatchObject({ code, stderr: expect.stringContaining(message) });
  });

  it('loses the API when etcd loses its majority, and shows NotReady nodes', () => {
    const { run, world } = setUp([S1, S2, S3], [A1]);
    world.setDown(A1, true);
    expect(columns(run(S1, k3s.nodes()).stdout)[0]?.[1]).toBe('NotReady');
    world.setDown(S2, true);
    world.setDown(S3, true);
    expect(run(S1, k3s.nodes())).toMatchObject({ code: 1, stderr: 'Error from server: etcdserver: request timed out\n' });
  });
});

describe('simulated k3s: drain and delete', () => {
  it('drains a node: pods are evicted and recreated on schedulable nodes', () => {
    const { run, world } = setUp([S1], [A1, A2]);
    world.createDeployment(S1, 'web', 6);
    const before = world.k3s(S1)!.nodes.find((n) => n.name === 'a1')!.pods;
    expect(before).toHaveLength(2);
    const result = run(S1, k3s.drain('a1', 30));
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(['node/a1 cordoned', ...before.map((p) => `evicting pod default/${p}`), ...before.map((p) => `pod/${p} evicted`), 'node/a1 drained', ''].join('\n'));
    const view = world.k3s(S1)!;
    expect(view.nodes.map((n) => [n.name, n.schedulable, n.pods.length])).toEqual([
      ['a1', false, 0],
      ['a2', true, 3],
      ['s1', true, 3],
    ]);
    expect(view.pendingPods).toEqual([]);
  });

  it('fails a blocked drain with kubectl\'s message naming the pod, after evicting the rest', () => {
    const { run, world } = setUp([S1], [A1]);
    world.createDeployment(S1, 'web', 4);
    world.blockDrain(A1, 'db-0');
    const result = run(S1, k3s.drain('a1', 45));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('evicting pod default/db-0\n');
    expect(result.stderr).toContain(`error when evicting pods/"db-0" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`);
    expect(result.stderr).toContain('error: unable to drain node "a1" due to error: [error when evicting pods/"db-0" -n "default": global timeout reached: 45s], continuing command...');
    expect(world.k3s(S1)!.nodes.find((n) => n.name === 'a1')).toMatchObject({ schedulable: false, pods: ['db-0'] });
    world.blockDrain(A1, null);
    expect(run(S1, k3s.drain('a1', 45)).stdout).toBe('node/a1 already cordoned\nnode/a1 drained\n');
  });

  it('cannot drain pods off a NotReady node before the timeout', () => {
    const { run, world } = setUp([S1], [A1]);
    world.createDeployment(S1, 'web', 2);
    world.setDown(A1, true);
    const result = run(S1, k3s.drain('a1', 30));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error when waiting for pod "web-[a-z0-9]+-[a-z0-9]{5}" in namespace "default" to terminate: global timeout reached: 30s/);
  });

  it('deletes a node (and its etcd membership); a deleted name can join again', () => {
    const { run, world, token } = setUp([S1, S2, S3], [A1]);
    expect(run(S1, k3s.deleteNode('nope'))).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): nodes "nope" not found\n' });
    expect(run(S3, k3s.uninstall('agent')).code).toBe(127);
    expect(run(S3, k3s.uninstall('server'))).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(columns(run(S1, k3s.nodes()).stdout).map((c) => c.slice(0, 2))).toEqual([['a1', 'Ready'], ['s1', 'Ready'], ['s2', 'Ready'], ['s3', 'NotReady']]);
    // The uninstalled server's node password is still registered: the name cannot be reused yet.
    expect(run(S3, k3s.joinServer(token, S1, S3, 's3')).code).toBe(1);
    expect(run(S1, k3s.deleteNode('s3'))).toEqual({ code: 0, stdout: 'node "s3" deleted\n', stderr: '' });
    expect(world.k3s(S1)?.nodes.filter((n) => n.etcdMember).map((n) => n.name)).toEqual(['s1', 's2']);
    expect(run(S3, k3s.joinServer(token, S1, S3, 's3')).code).toBe(0);
    expect(world.k3s(S3)?.nodes.map((n) => [n.name, n.ready])).toEqual([['a1', true], ['s1', true], ['s2', true], ['s3', true]]);
  });

  it('loses quorum when one of two etcd members goes', () => {
    const { run } = setUp([S1, S2], []);
    run(S2, k3s.uninstall('server'));
    expect(run(S1, k3s.nodes()).stderr).toBe('Error from server: etcdserver: request timed out\n');
  });
});
