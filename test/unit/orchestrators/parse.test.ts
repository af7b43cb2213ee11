import { describe, expect, it } from 'vitest';
import { describeBlockers, kubernetesNodeName, parseDrainBlockers, parseK3sNodes } from '../../../src/orchestrators/kubernetes/parse.js';
import { parseSwarmInfo, parseSwarmNodes, parseSwarmTasks } from '../../../src/orchestrators/swarm/parse.js';
import { excerpt, scrub } from '../../../src/orchestrators/swarm/remote.js';

describe('swarm output', () => {
  it.each([
    ['active true abc123\n', { state: 'active', controlAvailable: true, nodeId: 'abc123' }],
    ['inactive false \n', { state: 'inactive', controlAvailable: false, nodeId: '' }],
    ['pending false x1', { state: 'pending', controlAvailable: false, nodeId: 'x1' }],
  ])('info %j', (stdout, expected) => {
    expect(parseSwarmInfo(stdout)).toEqual(expected);
  });

  it('reads node rows: status, availability, manager status', () => {
    const rows = parseSwarmNodes('a1 Ready Active Leader\nb2 Down Drain Unreachable\nc3 Ready Drain -\n\n');
    expect(rows).toEqual([
      { id: 'a1', status: 'ready', availability: 'active', managerStatus: 'Leader' },
      { id: 'b2', status: 'down', availability: 'drain', managerStatus: 'Unreachable' },
      { id: 'c3', status: 'ready', availability: 'drain', managerStatus: null },
    ]);
  });

  it('refuses a node line it cannot read rather than dropping a member', () => {
    expect(() => parseSwarmNodes('a1 Ready\n')).toThrow(/unexpected line/);
  });

  it('reads task names from docker node ps', () => {
    expect(parseSwarmTasks('t1 web.2 Running 5 seconds ago\nt2 api.1 Running about a minute ago\n')).toEqual([
      { id: 't1', name: 'web.2' },
      { id: 't2', name: 'api.1' },
    ]);
    expect(parseSwarmTasks('')).toEqual([]);
  });

  it('counts a drained task as running until its container has stopped, and never the history', () => {
    // `docker node ps` right after a drain: desired state Shutdown, containers still stopping.
    const out = 'ofn8cpyqptw3 web.1 Shutdown 13 seconds ago\nyvpe53lrqod9 web.5 Running 4 seconds ago\nz7veyfgjw4sn web.3 Failed 2 minutes ago\nq1 web.7 Starting 1 second ago\nq2 web.8 Complete 3 hours ago\n';
    expect(parseSwarmTasks(out)).toEqual([
      { id: 'yvpe53lrqod9', name: 'web.5' },
      { id: 'q1', name: 'web.7' },
    ]);
    expect(parseSwarmTasks('a web.1 Shutdown 1 second ago\nb web.2 Rejected 5 seconds ago\nc web.3 Orphaned 1 hour ago\n')).toEqual([]);
  });
});

describe('k3s output', () => {
  it('maps node ids to Kubernetes names', () => {
    expect(kubernetesNodeName('node_003')).toBe('node-003');
  });

  it('reads kubectl get nodes rows', () => {
    const out = [
      'node-001   Ready                      control-plane,etcd,master   5m    v1.30.4+k3s1',
      'node-002   NotReady                   control-plane,etcd,master   4m    v1.30.4+k3s1',
      'node-004   Ready,SchedulingDisabled   <none>                      3m    v1.30.4+k3s1',
    ].join('\n');
    expect(parseK3sNodes(out)).toEqual([
      { name: 'node-001', ready: true, draining: false, server: true },
      { name: 'node-002', ready: false, draining: false, server: true },
      { name: 'node-004', ready: true, draining: true, server: false },
    ]);
  });

  it.each([
    [
      'evicting pod default/web-5d9c\nerror when evicting pods/"web-5d9c" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.\n' +
        'error: unable to drain node "node-003" due to error: [error when evicting pods/"web-5d9c" -n "default": global timeout reached: 30s], continuing command...',
      ['default/web-5d9c'],
      /disruption budget/,
    ],
    [
      'There are pending pods in node "node-003" when an error occurred: error when waiting for pod "db-0" in namespace "data" to terminate: global timeout reached: 5s',
      ['data/db-0'],
      /global timeout/,
    ],
    ['error: cannot delete Pods declare no controller (use --force to override): default/bare, kube-system/debug', ['default/bare', 'kube-system/debug'], /no controller/],
    ['evicting pod default/a\nevicting pod default/b\npod/a evicted\n', ['default/b'], /./],
  ])('names the blocking pods in kubectl drain output %#', (output, pods, why) => {
    const b = parseDrainBlockers(output);
    expect(b.pods).toEqual(pods);
    expect(b.why).toMatch(why);
    expect(describeBlockers(b)).toContain(pods[0]);
  });
});

describe('redaction', () => {
  it('removes known secrets and anything shaped like a join token', () => {
    const text = 'join with SWMTKN-1-abc123-def456 or K10aaaaaaaaaaaaaaaaaaaa::server:s3cret and hunter2';
    expect(scrub(text, ['hunter2'])).toBe('join with [redacted] or [redacted] and [redacted]');
    expect(excerpt({ code: 1, stdout: '', stderr: `Error: invalid join token\n  SWMTKN-1-x-y\n` })).toBe('Error: invalid join token [redacted]');
  });
});
