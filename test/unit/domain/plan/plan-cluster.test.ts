import { describe, expect, it } from 'vitest';
import { planCluster } from '../../../../src/domain/plan/plan-cluster.js';
import type { PlanInput } from '../../../../src/domain/plan/types.js';
import { applied, brief, input, manifest, node } from './builders.js';

const k8s = (workers: number, extra: Parameters<typeof manifest>[1] = []) =>
  manifest('kubernetes', [
    { role: 'manager', plan: 'medium', count: 1 },
    { role: 'worker', plan: 'small', count: workers },
    ...extra,
  ]);

describe('planCluster actions', () => {
  it.each<{ name: string; given: PlanInput; actions: string[] }>([
    {
      name: 'new cluster: managers first, init on the first, then workers; ids from node_001',
      given: input(manifest('swarm', [
        { role: 'worker', plan: 'small', count: 2 },
        { role: 'manager', plan: 'medium', count: 3 },
      ]), [], { initialized: false }),
      actions: [
        '+ node_001 manager medium', '+ node_002 manager medium', '+ node_003 manager medium',
        'init node_001',
        '+ node_004 worker small', '+ node_005 worker small',
      ],
    },
    {
      name: 'uninitialised cluster whose manager already exists: init on it, not on a new one',
      given: input(k8s(1), [node(1, 'manager', 'medium', 'provisioning')], { initialized: false }),
      actions: ['init node_001', '+ node_002 worker small'],
    },
    {
      name: 'uninitialised: init skips an unhealthy manager and uses the lowest running one',
      given: input(manifest('kubernetes', [{ role: 'manager', plan: 'medium', count: 3 }]), [
        node(5, 'manager', 'medium'), node(2, 'manager', 'medium', 'unhealthy'), node(3, 'manager', 'medium'),
      ], { initialized: false }),
      actions: ['init node_003'],
    },
    {
      name: 'scale up: ids continue after lastNodeNumber although node_003..007 are gone',
      given: input(k8s(3), [node(1, 'manager', 'medium'), node(2, 'worker', 'small')], { lastNodeNumber: 7 }),
      actions: ['+ node_008 worker small', '+ node_009 worker small'],
    },
    {
      name: 'scale up: ids also continue after an existing node above a stale lastNodeNumber',
      given: input(k8s(2), [node(1, 'manager', 'medium'), node(9, 'worker', 'small')], { lastNodeNumber: 3 }),
      actions: ['+ node_010 worker small'],
    },
    {
      name: 'scale down without remove: the newest worker goes (by createdAt, not by id)',
      given: input(k8s(2), [
        node(1, 'manager', 'medium'), node(2, 'worker', 'small', 'running', 2),
        node(3, 'worker', 'small', 'running', 20), node(4, 'worker', 'small', 'running', 4),
      ]),
      actions: ['- node_003 drain'],
    },
    {
      name: 'scale down: same createdAt, the higher id goes',
      given: input(k8s(1), [node(1, 'manager', 'medium'), node(2, 'worker', 'small', 'running', 9), node(3, 'worker', 'small', 'running', 9)]),
      actions: ['- node_003 drain'],
    },
    {
      name: 'scale down with remove: the listed node goes first even though it is the oldest',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 2, remove: ['node_002'] },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small'), node(4, 'worker', 'small')]),
      actions: ['- node_002 drain'],
    },
    {
      name: 'scale down with remove: listed nodes go in list order, ahead of unhealthy ones',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 1, remove: ['node_004', 'node_002'] },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small', 'error'), node(4, 'worker', 'small')]),
      actions: ['- node_004 drain', '- node_002 drain'],
    },
    {
      name: 'scale down: an unhealthy worker goes before the newest, without drain',
      given: input(k8s(2), [node(1, 'manager', 'medium'), node(2, 'worker', 'small', 'unhealthy'), node(3, 'worker', 'small'), node(4, 'worker', 'small')]),
      actions: ['- node_002'],
    },
    {
      name: 'scale down: error and unhealthy nodes go first, newest of them first; provisioning is not drained',
      given: input(k8s(1), [
        node(1, 'manager', 'medium'), node(2, 'worker', 'small', 'error'), node(3, 'worker', 'small', 'unhealthy'),
        node(4, 'worker', 'small', 'provisioning'), node(5, 'worker', 'small'),
      ]),
      actions: ['- node_003', '- node_002', '- node_005 drain'],
    },
    {
      name: 'plan change: every old node is replaced by a new one of the new plan',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'medium', count: 2 },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small')]),
      actions: ['~ node_002 → node_004 worker small→medium', '~ node_003 → node_005 worker small→medium'],
    },
    {
      name: 'plan change of both roles: manager replacements come before worker replacements',
      given: input(manifest('kubernetes', [
        { role: 'worker', plan: 'medium', count: 1 },
        { role: 'manager', plan: 'power', count: 1 },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small')]),
      actions: ['~ node_001 → node_003 manager medium→power', '~ node_002 → node_004 worker small→medium'],
    },
    {
      name: 'plan change and shrink: the node first in removal order is deleted, the rest replaced',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'medium', count: 2 },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small'), node(4, 'worker', 'small')]),
      actions: ['~ node_002 → node_005 worker small→medium', '~ node_003 → node_006 worker small→medium', '- node_004 drain'],
    },
    {
      name: 'plan change and shrink: an unhealthy old node is deleted rather than replaced',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'medium', count: 1 },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small', 'unhealthy'), node(3, 'worker', 'small')]),
      actions: ['~ node_003 → node_004 worker small→medium', '- node_002'],
    },
    {
      name: 'plan change and growth: new nodes get ids before the replacements',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'medium', count: 3 },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small')]),
      actions: ['+ node_003 worker medium', '+ node_004 worker medium', '~ node_002 → node_005 worker small→medium'],
    },
    {
      name: 'draining and deleting nodes never count and their removal continues',
      given: input(k8s(2), [
        node(1, 'manager', 'medium'), node(2, 'worker', 'small'),
        node(3, 'worker', 'small', 'draining'), node(4, 'worker', 'small', 'deleting'),
      ]),
      actions: ['+ node_005 worker small', '- node_003 drain', '- node_004'],
    },
    {
      name: 'deletes: workers before managers, removals under way before the surplus',
      given: input(manifest('swarm', [
        { role: 'manager', plan: 'medium', count: 3 },
        { role: 'worker', plan: 'small', count: 1 },
      ]), [
        node(1, 'manager', 'medium'), node(2, 'manager', 'medium'), node(3, 'manager', 'medium'),
        node(4, 'manager', 'medium'), node(5, 'manager', 'medium'), node(6, 'manager', 'medium', 'deleting'),
        node(7, 'worker', 'small'), node(8, 'worker', 'small'), node(9, 'worker', 'small', 'draining'),
      ]),
      actions: ['- node_009 drain', '- node_008 drain', '- node_006', '- node_005 drain', '- node_004 drain'],
    },
    {
      name: 'a group dropped from the manifest is removed entirely',
      given: input(k8s(1), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'power'), node(4, 'worker', 'power')]),
      actions: ['- node_004 drain', '- node_003 drain'],
    },
    {
      name: 'converged: nothing to do',
      given: input(k8s(2), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small')]),
      actions: [],
    },
    {
      name: 'converged with unhealthy nodes: the planner does not replace them by itself',
      given: input(k8s(1), [node(1, 'manager', 'medium', 'unhealthy'), node(2, 'worker', 'small', 'error')]),
      actions: [],
    },
    {
      name: 'cluster deleted: workers, then managers, never drained, deleteCluster last',
      given: input(null, [
        node(3, 'worker', 'small'), node(1, 'manager', 'medium'), node(2, 'worker', 'small', 'draining'), node(4, 'manager', 'medium'),
      ]),
      actions: ['- node_002', '- node_003', '- node_001', '- node_004', '- cluster'],
    },
    {
      name: 'cluster deleted with no nodes left: only deleteCluster',
      given: input(null, []),
      actions: ['- cluster'],
    },
  ])('$name', ({ given, actions }) => {
    const plan = planCluster(given);
    expect(plan.errors).toEqual([]);
    expect(plan.actions.map(brief)).toEqual(actions);
  });

  it.each<{ name: string; given: PlanInput }>([
    { name: 'new cluster', given: input(k8s(2), [], { initialized: false }) },
    {
      name: 'plan change, shrink, remove: and a removal under way',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'power', count: 1 },
        { role: 'worker', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 1, remove: ['node_003'] },
      ]), [
        node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small'),
        node(4, 'worker', 'small', 'unhealthy'), node(5, 'worker', 'small'), node(6, 'worker', 'small', 'draining'),
      ]),
    },
  ])('is idempotent: after applying the plan for "$name", the next plan is empty', ({ given }) => {
    const first = planCluster(given);
    expect(first.actions).not.toEqual([]);
    const second = planCluster(applied(given, first.actions));
    expect(second.actions).toEqual([]);
    expect(second.errors).toEqual([]);
  });

  it('is deterministic: node order in the input does not matter', () => {
    const nodes = [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small'), node(4, 'worker', 'small')];
    const desired = manifest('kubernetes', [
      { role: 'manager', plan: 'power', count: 1 },
      { role: 'worker', plan: 'medium', count: 2 },
    ]);
    expect(planCluster(input(desired, [...nodes].reverse()))).toEqual(planCluster(input(desired, nodes)));
  });

  it('does not plan an initCluster for an initialised cluster', () => {
    const plan = planCluster(input(k8s(1), [node(1, 'manager', 'medium')], { initialized: true }));
    expect(plan.actions.map(brief)).toEqual(['+ node_002 worker small']);
  });
});

describe('planCluster reasons', () => {
  it.each<{ name: string; given: PlanInput; reasons: string[] }>([
    {
      name: 'growth and init',
      given: input(k8s(1), [], { initialized: false }),
      reasons: [
        'manager group medium grows from 0 to 1',
        'the kubernetes control plane is not initialised yet; node_001 becomes its first manager',
        'worker group small grows from 0 to 1',
      ],
    },
    {
      name: 'listed, unhealthy and newest removals',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 1, remove: ['node_002'] },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small', 'unhealthy'), node(4, 'worker', 'small'), node(5, 'worker', 'small')]),
      reasons: [
        'worker group small shrinks from 4 to 1; node_002 is listed under remove:',
        'worker group small shrinks from 4 to 1; node_003 is unhealthy',
        'newest worker of group small (4 → 1)',
      ],
    },
    {
      name: 'plan change, dropped group and a removal under way',
      given: input(manifest('kubernetes', [{ role: 'manager', plan: 'power', count: 1 }]), [
        node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small', 'draining'),
      ]),
      reasons: [
        'plan of manager changes from medium to power',
        'removal already under way (draining); it continues',
        'worker group small is no longer in the manifest',
      ],
    },
    {
      name: 'cluster deletion',
      given: input(null, [node(1, 'manager', 'medium')]),
      reasons: ['cluster manifest was removed', 'cluster manifest was removed'],
    },
  ])('$name', ({ given, reasons }) => {
    expect(planCluster(given).actions.map((a) => a.reason)).toEqual(reasons);
  });
});
