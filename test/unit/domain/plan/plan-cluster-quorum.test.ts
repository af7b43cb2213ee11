import { describe, expect, it } from 'vitest';
import type { NodeGroup } from '../../../../src/domain/manifest/types.js';
import { planCluster } from '../../../../src/domain/plan/plan-cluster.js';
import type { ActualNode, PlanInput } from '../../../../src/domain/plan/types.js';
import { brief, input, manifest, node } from './builders.js';

const worker: NodeGroup = { role: 'worker', plan: 'small', count: 1 };
const managers = (count: number, remove?: string[]): NodeGroup[] => [
  { role: 'manager', plan: 'medium', count, ...(remove ? { remove } : {}) },
  worker,
];
/** `running` managers node_001…, with the given statuses overriding the first ones. */
const control = (count: number, ...statuses: ActualNode['status'][]): ActualNode[] => [
  ...Array.from({ length: count }, (_, i) => node(i + 1, 'manager', 'medium', statuses[i] ?? 'running')),
  node(count + 1, 'worker', 'small'),
];

describe('planCluster quorum', () => {
  it.each<{ name: string; given: PlanInput; reason: 'QuorumLoss' | 'QuorumLost'; message: string }>([
    {
      name: 'swarm 3 → 1 in one step',
      given: input(manifest('swarm', managers(1)), control(3)),
      reason: 'QuorumLoss',
      message:
        'removing 2 of 3 managers in one step would leave 1 healthy, below the quorum of 2; a swarm must keep an ' +
        'odd number of managers, so it can only shrink by two while the rest keep quorum (5 → 3 works, 3 → 1 does not)',
    },
    {
      name: 'kubernetes 3 → 1 in one step',
      given: input(manifest('kubernetes', managers(1)), control(3)),
      reason: 'QuorumLoss',
      message:
        'removing 2 of 3 managers in one step would leave 1 healthy, below the quorum of 2; ' +
        'remove managers one at a time, one change per manager',
    },
    {
      name: 'kubernetes 7 → 3 in one step',
      given: input(manifest('kubernetes', managers(3)), control(7)),
      reason: 'QuorumLoss',
      message:
        'removing 4 of 7 managers in one step would leave 3 healthy, below the quorum of 4; ' +
        'remove managers one at a time, one change per manager',
    },
    {
      name: 'kubernetes 3 → 2 removing a healthy manager while another is unhealthy',
      given: input(manifest('kubernetes', managers(2, ['node_003'])), control(3, 'running', 'unhealthy')),
      reason: 'QuorumLoss',
      message:
        'removing 1 of 3 managers in one step would leave 1 healthy, below the quorum of 2; only 2 of 3 managers ' +
        'are healthy now, so recover or remove the unhealthy ones first',
    },
    {
      name: 'quorum already lost: even removing a failed manager is refused',
      given: input(manifest('kubernetes', managers(2)), control(3, 'error', 'unhealthy')),
      reason: 'QuorumLost',
      message: 'control plane has lost quorum: only 1 of 3 managers healthy; recover it by hand before removing managers',
    },
    {
      name: 'quorum already lost: a manager plan change (replace) is refused too',
      given: input(manifest('kubernetes', [{ role: 'manager', plan: 'power', count: 3 }, worker]), control(3, 'unhealthy', 'provisioning')),
      reason: 'QuorumLost',
      // The provisioning manager has not joined: the control plane is the other two.
      message: 'control plane has lost quorum: only 1 of 2 managers healthy; recover it by hand before removing managers',
    },
  ])('refuses $name', ({ given, reason, message }) => {
    const plan = planCluster(given);
    expect(plan.errors).toEqual([{ reason, message }]);
    expect(plan.actions).toEqual([]);
  });

  it.each<{ name: string; given: PlanInput; actions: string[] }>([
    {
      name: 'swarm 5 → 3',
      given: input(manifest('swarm', managers(3)), control(5)),
      actions: ['- node_005 drain', '- node_004 drain'],
    },
    {
      name: 'kubernetes 3 → 2',
      given: input(manifest('kubernetes', managers(2)), control(3)),
      actions: ['- node_003 drain'],
    },
    {
      name: 'kubernetes 2 → 1 (one member at a time; the leaving one helps commit its removal)',
      given: input(manifest('kubernetes', managers(1)), control(2)),
      actions: ['- node_002 drain'],
    },
    {
      name: 'kubernetes 3 → 2 when the unhealthy manager is the one that goes',
      given: input(manifest('kubernetes', managers(2)), control(3, 'running', 'unhealthy')),
      actions: ['- node_002'],
    },
    {
      name: 'replacing every manager: surge keeps the count',
      given: input(manifest('swarm', [{ role: 'manager', plan: 'power', count: 3 }, worker]), control(3)),
      actions: [
        '~ node_001 → node_005 manager medium→power',
        '~ node_002 → node_006 manager medium→power',
        '~ node_003 → node_007 manager medium→power',
      ],
    },
    {
      name: 'swarm remediation: the lost manager goes while its replacement is still provisioning (not a member yet)',
      given: input(manifest('swarm', managers(3)), [...control(3, 'running', 'unhealthy'), node(5, 'manager', 'medium', 'provisioning')]),
      actions: ['- node_002'],
    },
    {
      name: 'quorum lost but nothing removed: adding managers is allowed',
      given: input(manifest('kubernetes', managers(5)), control(3, 'unhealthy', 'unhealthy')),
      actions: ['+ node_005 manager medium', '+ node_006 manager medium'],
    },
    {
      name: 'control plane not initialised yet: there is no quorum to lose',
      given: input(manifest('swarm', managers(1)), control(3, 'provisioning', 'provisioning', 'provisioning'), { initialized: false }),
      actions: ['init node_001', '- node_003', '- node_002'],
    },
    {
      name: 'cluster deletion is never refused, even without quorum',
      given: input(null, control(3, 'unhealthy', 'unhealthy')),
      actions: ['- node_004', '- node_001', '- node_002', '- node_003', '- cluster'],
    },
  ])('allows $name', ({ given, actions }) => {
    const plan = planCluster(given);
    expect(plan.errors).toEqual([]);
    expect(plan.actions.map(brief)).toEqual(actions);
  });

  it.each<{ name: string; given: PlanInput; quorum: ReturnType<typeof planCluster>['quorum'] }>([
    {
      name: 'new cluster',
      given: input(manifest('swarm', managers(3)), [], { initialized: false }),
      quorum: { managersBefore: 0, managersAfter: 3, quorumBefore: 0, quorumAfter: 2 },
    },
    {
      name: 'shrink, leaving managers not counted',
      given: input(manifest('swarm', managers(3)), [...control(5), node(9, 'manager', 'medium', 'deleting')]),
      quorum: { managersBefore: 5, managersAfter: 3, quorumBefore: 3, quorumAfter: 2 },
    },
    {
      name: 'deletion',
      given: input(null, control(3)),
      quorum: { managersBefore: 3, managersAfter: 0, quorumBefore: 2, quorumAfter: 0 },
    },
  ])('reports manager quorum before and after: $name', ({ given, quorum }) => {
    expect(planCluster(given).quorum).toEqual(quorum);
  });
});
