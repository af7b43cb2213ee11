import { describe, expect, it } from 'vitest';
import { planCluster } from '../../../../src/domain/plan/plan-cluster.js';
import { brief, input, manifest, node } from './builders.js';

const swarm3 = manifest('swarm', [
  { role: 'manager', plan: 'small', count: 3 },
  { role: 'worker', plan: 'small', count: 2 },
]);
const healthy = () => [node(1, 'manager', 'small'), node(2, 'manager', 'small'), node(3, 'manager', 'small'), node(4, 'worker', 'small'), node(5, 'worker', 'small')];

describe('remediation of long-unhealthy nodes', () => {
  it('replaces an overdue unhealthy worker by a new one of the same plan, new node first', () => {
    const nodes = healthy().map((n) => (n.id === 'node_004' ? { ...n, status: 'unhealthy' as const } : n));
    const plan = planCluster({ ...input(swarm3, nodes), remediate: ['node_004'] });
    expect(plan.actions.map(brief)).toEqual(['~ node_004 → node_006 worker small→small']);
    expect(plan.actions[0]!.reason).toContain('unhealthy too long');
  });

  it('replaces an unhealthy manager without a quorum refusal (the healthy majority stays)', () => {
    const nodes = healthy().map((n) => (n.id === 'node_002' ? { ...n, status: 'unhealthy' as const } : n));
    const plan = planCluster({ ...input(swarm3, nodes), remediate: ['node_002'] });
    expect(plan.errors).toEqual([]);
    expect(plan.actions.map(brief)).toEqual(['~ node_002 → node_006 manager small→small']);
  });

  it('never two at once: one per plan, and none while a node is still provisioning', () => {
    const two = healthy().map((n) => (n.id === 'node_004' || n.id === 'node_005' ? { ...n, status: 'unhealthy' as const } : n));
    expect(planCluster({ ...input(swarm3, two), remediate: ['node_004', 'node_005'] }).actions.map(brief)).toEqual(['~ node_004 → node_006 worker small→small']);
    const busy = [...two, node(6, 'worker', 'small', 'provisioning')];
    expect(planCluster({ ...input(swarm3, busy), remediate: ['node_004', 'node_005'] }).actions.map(brief)).toEqual(['- node_005']);
  });

  it('once the replacement runs, the unhealthy node is the surplus that goes', () => {
    const after = [...healthy().map((n) => (n.id === 'node_004' ? { ...n, status: 'unhealthy' as const } : n)), node(6, 'worker', 'small')];
    expect(planCluster({ ...input(swarm3, after), remediate: ['node_004'] }).actions.map(brief)).toEqual(['- node_004']);
  });

  it('does nothing for nodes not overdue', () => {
    const nodes = healthy().map((n) => (n.id === 'node_004' ? { ...n, status: 'unhealthy' as const } : n));
    expect(planCluster(input(swarm3, nodes)).actions).toEqual([]);
  });
});
