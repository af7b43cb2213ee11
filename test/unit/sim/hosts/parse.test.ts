import { describe, expect, it } from 'vitest';
import { k3s, swarm } from '../../../../src/orchestrators/commands.js';
import { dockerAgo, kubeAge } from '../../../../src/sim/hosts/format.js';
import { parseHostCommand, shapeOf } from '../../../../src/sim/hosts/parse.js';
import { SimHostWorld } from '../../../../src/sim/hosts/world.js';

const TOKEN = "SWMTKN-1-it's-secret";

describe('parseHostCommand', () => {
  it.each([
    [swarm.info(), { kind: 'swarm.info' }],
    [swarm.init('10.0.0.1'), { kind: 'swarm.init', advertiseIp: '10.0.0.1' }],
    [swarm.joinToken('manager'), { kind: 'swarm.joinToken', role: 'manager' }],
    [swarm.join(TOKEN, '10.0.0.1'), { kind: 'swarm.join', token: TOKEN, managerIp: '10.0.0.1' }],
    [swarm.nodes(), { kind: 'swarm.nodes' }],
    [swarm.drain('abc'), { kind: 'swarm.drain', nodeId: 'abc' }],
    [swarm.runningTasks('abc'), { kind: 'swarm.runningTasks', nodeId: 'abc' }],
    [swarm.demote('abc'), { kind: 'swarm.demote', nodeId: 'abc' }],
    [swarm.leave(), { kind: 'swarm.leave', force: false }],
    [swarm.forceLeave(), { kind: 'swarm.leave', force: true }],
    [swarm.remove('abc'), { kind: 'swarm.remove', nodeId: 'abc' }],
    [k3s.status(), { kind: 'k3s.status' }],
    [k3s.initServer('10.0.0.1', 'web-m1'), { kind: 'k3s.install', role: 'server', clusterInit: true, nodeIp: '10.0.0.1', nodeName: 'web-m1' }],
    [k3s.joinServer(TOKEN, '10.0.0.1', '10.0.0.2', 'web-m2'), { kind: 'k3s.install', role: 'server', clusterInit: false, token: TOKEN, serverIp: '10.0.0.1', nodeIp: '10.0.0.2', nodeName: 'web-m2' }],
    [k3s.joinAgent(TOKEN, '10.0.0.1', '10.0.0.3', 'web-w1'), { kind: 'k3s.install', role: 'agent', clusterInit: false, token: TOKEN, serverIp: '10.0.0.1', nodeIp: '10.0.0.3', nodeName: 'web-w1' }],
    [k3s.token(), { kind: 'k3s.token' }],
    [k3s.nodes(), { kind: 'k3s.nodes' }],
    [k3s.cordon('web-w1'), { kind: 'k3s.cordon', nodeName: 'web-w1' }],
    [k3s.drain('web-w1', 30), { kind: 'k3s.drain', nodeName: 'web-w1', timeoutS: 30 }],
    [k3s.deleteNode('web-w1'), { kind: 'k3s.deleteNode', nodeName: 'web-w1' }],
    [k3s.uninstall('server'), { kind: 'k3s.uninstall', role: 'server' }],
    [k3s.uninstall('agent'), { kind: 'k3s.uninstall', role: 'agent' }],
  ])('reads %s', (command, expected) => {
    expect(parseHostCommand(command)).toEqual(expected);
  });

  it.each([
    ['docker info', 'another format'],
    [`${swarm.info()} `, 'trailing space'],
    [swarm.joinToken('manager').replace('manager', 'admin'), 'unknown role'],
    [`docker swarm join --token ${TOKEN} 10.0.0.1:2377`, 'unquoted arguments'],
    [k3s.drain('n1', 30).replace('30s', 'xs'), 'non-numeric timeout'],
    ['rm -rf /', 'anything else'],
  ])('does not read %j (%s)', (command) => {
    expect(parseHostCommand(command)).toBeUndefined();
  });

  it('describes a command by its shape, without quoted arguments (tokens)', () => {
    expect(shapeOf(swarm.join(TOKEN, '10.0.0.1'))).toBe("docker swarm join --token '…' '…'");
  });

  it('answers an unknown command with 127 and a message that keeps tokens out', () => {
    const token = `SWMTKN-1-${'s'.repeat(50)}-${'e'.repeat(25)}`;
    const result = new SimHostWorld().exec('10.0.0.1', `docker swarm join --token ${token} 10.0.0.1:2377`);
    expect(result.code).toBe(127);
    expect(result.stderr).toMatch(/^sim-host: unsupported command/);
    expect(result.stderr).toBe('sim-host: unsupported command (not one of src/orchestrators/commands.ts): docker swarm join --token … 10.0.0.1:2377\n');
  });
});

describe('durations as the CLIs print them', () => {
  it.each([
    [500, 'less than a second ago'],
    [1000, '1 second ago'],
    [45_000, '45 seconds ago'],
    [90_000, 'about a minute ago'],
    [5 * 60_000, '5 minutes ago'],
    [60 * 60_000, 'about an hour ago'],
    [5 * 3_600_000, '5 hours ago'],
    [3 * 86_400_000, '3 days ago'],
  ])('docker: %i ms → %s', (ms, text) => expect(dockerAgo(ms)).toBe(text));

  it.each([
    [42_000, '42s'],
    [119_000, '119s'],
    [400_000, '6m40s'],
    [600_000, '10m'],
    [4 * 3_600_000 + 5 * 60_000, '4h5m'],
    [30 * 3_600_000, '30h'],
    [3 * 86_400_000, '3d'],
    [3 * 86_400_000 + 3_600_000, '3d1h'],
    [40 * 86_400_000, '40d'],
  ])('kubectl: %i ms → %s', (ms, text) => expect(kubeAge(ms)).toBe(text));
});
