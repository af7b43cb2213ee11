import { describe, expect, it } from 'vitest';
import { planCluster } from '../../../../src/domain/plan/plan-cluster.js';
import { renderPlanMarkdown, renderPlanText, summarizePlan } from '../../../../src/domain/plan/render.js';
import { brief, input, manifest, node } from './builders.js';

/** Issue 15: a cluster whose every manager was lost (the reconciler journaled it: not initialised, lost managers named). */
describe('planning the recovery of a lost control plane', () => {
  const desired = manifest('swarm', [
    { role: 'manager', plan: 'small', count: 3 },
    { role: 'worker', plan: 'small', count: 2 },
  ]);
  const lost = (nodes = [node(4, 'worker', 'small', 'provisioning'), node(5, 'worker', 'small', 'provisioning')]) => {
    const i = input(desired, nodes, { initialized: false, lastNodeNumber: 5 });
    return planCluster({ ...i, actual: { ...i.actual, lostManagers: ['node_001', 'node_002', 'node_003'] } });
  };

  it('creates the managers and bootstraps a new control plane on the first, marked as a recreation', () => {
    const plan = lost();
    expect(plan.errors).toEqual([]);
    expect(plan.actions.map(brief)).toEqual(['+ node_006 manager small', '+ node_007 manager small', '+ node_008 manager small', 'init node_006']);
    expect(plan.actions.find((a) => a.type === 'initCluster')).toMatchObject({ recreate: { lost: ['node_001', 'node_002', 'node_003'] } });
    // The surviving workers are not created again.
    expect(plan.actions.filter((a) => a.type === 'createNode' && a.role === 'worker')).toEqual([]);
  });

  it('a first init is not a recreation', () => {
    const plan = planCluster(input(desired, [], { initialized: false }));
    expect(plan.actions.find((a) => a.type === 'initCluster')).not.toHaveProperty('recreate');
    expect(renderPlanText(plan)).not.toMatch(/bootstrap/);
  });

  it('renders the bootstrap as such in text, Markdown (destructive) and the one-line summary', () => {
    const plan = lost();
    expect(renderPlanText(plan)).toMatch(/~ bootstrap a new control plane on node_006: every manager of the swarm control plane is lost \(node_001, node_002, node_003\)/);
    expect(renderPlanText(plan)).toMatch(/a new control plane will be bootstrapped in place of the lost one/);
    const md = renderPlanMarkdown(plan);
    expect(md).toMatch(/\| bootstrap new control plane \| `node_006` \| manager \|/);
    expect(md).toMatch(/⚠️ \*\*Destructive:\*\* a new control plane is bootstrapped: workloads and cluster state of the lost one do not survive/);
    expect(summarizePlan(plan)).toMatch(/control plane bootstrap/);
  });
});
