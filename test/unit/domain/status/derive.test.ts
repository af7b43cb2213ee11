import { describe, expect, it } from 'vitest';
import { deriveStatus, type PassError, type StatusInput } from '../../../../src/domain/status/derive.js';
import type { ClusterStatus, ClusterStatusView, ConditionType, NodeView } from '../../../../src/domain/status/types.js';
import type { NodeStatus, Plan, PlanAction, PlanError } from '../../../../src/domain/plan/types.js';

const REVISION = '0123456789abcdef0123456789abcdef01234567';

function nodeView(num: number, status: NodeStatus = 'running', role: NodeView['role'] = 'manager'): NodeView {
  return { id: `node_${String(num).padStart(3, '0')}`, role, plan: 'small', ip: `10.0.0.${num}`, status };
}

function plan(actions: PlanAction[] = [], errors: PlanError[] = []): Plan {
  return {
    clusterId: 'cluster_web',
    clusterName: 'web',
    actions,
    errors,
    warnings: [],
    quorum: { managersBefore: 1, managersAfter: 1, quorumBefore: 1, quorumAfter: 1 },
    cost: { currency: 'USD', monthlyBefore: 0, monthlyAfter: 0 },
  };
}

const CREATE: PlanAction = { type: 'createNode', nodeId: 'node_003', role: 'worker', plan: 'small', reason: 'worker small: 1 of 2' };

/** A converged two-node cluster; each case overrides what it is about. */
function input(over: Partial<StatusInput> = {}): StatusInput {
  return { revision: REVISION, mode: 'normal', plan: plan(), nodes: [nodeView(1), nodeView(2, 'running', 'worker')], everReady: true, desiredNodes: 2, ...over };
}

const transient: PassError = { kind: 'transient', reason: 'RateLimited', message: 'hetzner: rate limited' };
const waiting: PassError = { kind: 'waiting', reason: 'WaitingForVm', message: 'node_002 is still booting' };
const stalled: PassError = { kind: 'stalled', reason: 'QuotaExceeded', message: 'server limit reached' };
const quorumLoss: PlanError = { reason: 'QuorumLoss', message: 'removing 2 of 3 managers would lose quorum' };

/** [condition status, reason] per condition type. */
type Conds = Record<ConditionType, [boolean, string]>;
const conds = (view: ClusterStatusView): Conds =>
  Object.fromEntries(view.conditions.map((c) => [c.type, [c.status, c.reason]])) as Conds;

describe('deriveStatus', () => {
  it.each<{ name: string; given: Partial<StatusInput>; status: ClusterStatus; conditions: Conds; lastError: string | null }>([
    {
      name: 'invalid manifest → error, stalled on InvalidManifest',
      given: { mode: 'invalid', message: 'clusters/web.yaml:3:1: bad', plan: null },
      status: 'error',
      conditions: { Ready: [false, 'InvalidManifest'], Reconciling: [false, 'InvalidManifest'], Stalled: [true, 'InvalidManifest'] },
      lastError: 'clusters/web.yaml:3:1: bad',
    },
    {
      name: 'deletion held → error, stalled on DeletionHeld',
      given: { mode: 'held', message: 'deletion held back: confirm it', plan: null },
      status: 'error',
      conditions: { Ready: [false, 'DeletionHeld'], Reconciling: [false, 'DeletionHeld'], Stalled: [true, 'DeletionHeld'] },
      lastError: 'deletion held back: confirm it',
    },
    {
      name: 'stalled error → error with its reason',
      given: { error: stalled },
      status: 'error',
      conditions: { Ready: [false, 'QuotaExceeded'], Reconciling: [false, 'QuotaExceeded'], Stalled: [true, 'QuotaExceeded'] },
      lastError: 'server limit reached',
    },
    {
      name: 'plan refused (QuorumLoss) → error',
      given: { plan: plan([], [quorumLoss]) },
      status: 'error',
      conditions: { Ready: [false, 'QuorumLoss'], Reconciling: [false, 'QuorumLoss'], Stalled: [true, 'QuorumLoss'] },
      lastError: quorumLoss.message,
    },
    {
      name: 'manifest removed → deleting',
      given: { mode: 'deleting', plan: plan([{ type: 'deleteCluster', reason: 'manifest removed' }]), desiredNodes: 0 },
      status: 'deleting',
      conditions: { Ready: [false, 'Deleting'], Reconciling: [true, 'Deleting'], Stalled: [false, 'Progressing'] },
      lastError: null,
    },
    {
      name: 'busy plan, never ready → provisioning',
      given: { plan: plan([CREATE]), everReady: false },
      status: 'provisioning',
      conditions: { Ready: [false, 'Progressing'], Reconciling: [true, 'Progressing'], Stalled: [false, 'Progressing'] },
      lastError: null,
    },
    {
      name: 'busy plan after being ready → updating',
      given: { plan: plan([CREATE]), everReady: true },
      status: 'updating',
      conditions: { Ready: [false, 'Progressing'], Reconciling: [true, 'Progressing'], Stalled: [false, 'Progressing'] },
      lastError: null,
    },
    {
      name: 'empty plan but a node still provisioning → provisioning',
      given: { nodes: [nodeView(1), nodeView(2, 'provisioning')], everReady: false },
      status: 'provisioning',
      conditions: { Ready: [false, 'Progressing'], Reconciling: [true, 'Progressing'], Stalled: [false, 'Progressing'] },
      lastError: null,
    },
    {
      name: 'transient error → reconciling, RetryingAfterError, lastError set',
      given: { error: transient, plan: null },
      status: 'updating',
      conditions: { Ready: [false, 'RetryingAfterError'], Reconciling: [true, 'RetryingAfterError'], Stalled: [false, 'Progressing'] },
      lastError: 'hetzner: rate limited',
    },
    {
      name: 'waiting error → reconciling with its reason, no lastError',
      given: { error: waiting, plan: null, everReady: false },
      status: 'provisioning',
      conditions: { Ready: [false, 'WaitingForVm'], Reconciling: [true, 'WaitingForVm'], Stalled: [false, 'Progressing'] },
      lastError: null,
    },
    {
      name: 'converged with an unhealthy node → degraded',
      given: { nodes: [nodeView(1), nodeView(2, 'unhealthy')] },
      status: 'degraded',
      conditions: { Ready: [false, 'NodesUnhealthy'], Reconciling: [false, 'Converged'], Stalled: [false, 'Progressing'] },
      lastError: null,
    },
    {
      name: 'converged with a node in error → degraded',
      given: { nodes: [nodeView(1, 'error'), nodeView(2)] },
      status: 'degraded',
      conditions: { Ready: [false, 'NodesUnhealthy'], Reconciling: [false, 'Converged'], Stalled: [false, 'Progressing'] },
      lastError: null,
    },
    {
      name: 'converged → running, Ready',
      given: {},
      status: 'running',
      conditions: { Ready: [true, 'Converged'], Reconciling: [false, 'Converged'], Stalled: [false, 'Progressing'] },
      lastError: null,
    },
  ])('$name', ({ given, status, conditions, lastError }) => {
    const view = deriveStatus(input(given));

    expect(view.status).toBe(status);
    expect(conds(view)).toEqual(conditions);
    expect(view.lastError).toBe(lastError);
  });

  it.each<{ name: string; given: Partial<StatusInput>; messages: Partial<Record<ConditionType, string>> }>([
    {
      name: 'invalid: the validation message is the Ready and Stalled message',
      given: { mode: 'invalid', message: 'clusters/web.yaml:3:1: bad' },
      messages: { Ready: 'clusters/web.yaml:3:1: bad', Reconciling: 'waiting for the manifest to change', Stalled: 'clusters/web.yaml:3:1: bad' },
    },
    {
      name: 'deleting: counts the nodes left',
      given: { mode: 'deleting', desiredNodes: 0 },
      messages: { Ready: 'deleting: 2 nodes left', Reconciling: 'the manifest was removed' },
    },
    {
      name: 'deleting: one node left is singular',
      given: { mode: 'deleting', nodes: [nodeView(1)], desiredNodes: 0 },
      messages: { Ready: 'deleting: 1 node left' },
    },
    {
      name: 'transient: progress and what is retried',
      given: { error: transient, nodes: [nodeView(1), nodeView(2, 'provisioning')] },
      messages: { Ready: '1/2 nodes running; retrying: hetzner: rate limited', Reconciling: '1/2 nodes running; retrying: hetzner: rate limited' },
    },
    {
      name: 'waiting: progress only',
      given: { error: waiting },
      messages: { Ready: '2/2 nodes running' },
    },
    {
      name: 'degraded: names the unhealthy nodes',
      given: { nodes: [nodeView(3, 'error'), nodeView(1), nodeView(2, 'unhealthy')], desiredNodes: 3 },
      messages: { Ready: 'node_003, node_002 are unhealthy; 1/3 nodes running', Reconciling: '1/3 nodes running' },
    },
    {
      name: 'running: progress',
      given: {},
      messages: { Ready: '2/2 nodes running', Reconciling: '2/2 nodes running', Stalled: '' },
    },
  ])('messages — $name', ({ given, messages }) => {
    const view = deriveStatus(input(given));
    const byType = Object.fromEntries(view.conditions.map((c) => [c.type, c.message]));

    expect(byType).toMatchObject(messages);
  });

  it.each<Partial<StatusInput>>([{}, { mode: 'invalid', message: 'x' }, { mode: 'deleting' }, { error: transient }, { plan: plan([CREATE]) }])(
    'every condition and the view carry the observed revision (%o)',
    (given) => {
      const view = deriveStatus(input({ ...given, revision: 'feedc0de' }));

      expect(view.conditions.map((c) => c.type)).toEqual(['Ready', 'Reconciling', 'Stalled']);
      expect(view.conditions.map((c) => c.observedRevision)).toEqual(['feedc0de', 'feedc0de', 'feedc0de']);
      expect(view.observedRevision).toBe('feedc0de');
    },
  );

  it('sorts nodes by id without reordering the input, and reports the desired count', () => {
    const nodes = [nodeView(10), nodeView(2), nodeView(7, 'provisioning')];
    const view = deriveStatus(input({ nodes, desiredNodes: 5 }));

    expect(view.nodes.map((n) => n.id)).toEqual(['node_002', 'node_007', 'node_010']);
    expect(view.nodes.find((n) => n.id === 'node_007')).toEqual(nodeView(7, 'provisioning'));
    expect(nodes.map((n) => n.id)).toEqual(['node_010', 'node_002', 'node_007']);
    expect(view.desiredNodes).toBe(5);
  });
});

describe('a lost control plane (issue 15)', () => {
  const loss = { lost: ['node_001'] };
  it('while it is being recreated: updating, reason ControlPlaneLost, the loss and its cost said', () => {
    const view = deriveStatus(input({ plan: plan([CREATE]), controlPlaneLoss: loss }));
    expect(view.status).toBe('updating');
    expect(conds(view).Reconciling).toEqual([true, 'ControlPlaneLost']);
    expect(view.conditions.find((c) => c.type === 'Ready')!.message).toMatch(/^control plane lost \(node_001\); a new one is being bootstrapped; workloads and cluster state of the old one do not survive; /);
  });
  it('when it cannot be recreated (a transient failure): error with Stalled ControlPlaneLost naming the failure, retried', () => {
    const view = deriveStatus(input({ plan: plan([CREATE]), controlPlaneLoss: loss, error: transient }));
    expect(view.status).toBe('error');
    expect(conds(view)).toEqual({ Ready: [false, 'ControlPlaneLost'], Reconciling: [false, 'ControlPlaneLost'], Stalled: [true, 'ControlPlaneLost'] });
    expect(view.conditions.find((c) => c.type === 'Stalled')!.message).toMatch(/cannot recreate it yet: hetzner: rate limited$/);
    expect(view.conditions.find((c) => c.type === 'Reconciling')!.message).toBe('retrying with backoff');
  });
  it('a stalled failure too; waiting (a VM booting) is not a failure', () => {
    expect(deriveStatus(input({ plan: plan([CREATE]), controlPlaneLoss: loss, error: stalled })).status).toBe('error');
    expect(deriveStatus(input({ plan: plan([CREATE]), controlPlaneLoss: loss, error: waiting })).status).toBe('updating');
  });
  it('once recreated and converged: running, Ready true with reason ControlPlaneRecreated', () => {
    const view = deriveStatus(input({ controlPlaneLoss: { lost: ['node_001'], recreatedOn: 'node_004' } }));
    expect(view.status).toBe('running');
    expect(conds(view).Ready).toEqual([true, 'ControlPlaneRecreated']);
    expect(view.conditions.find((c) => c.type === 'Ready')!.message).toBe('control plane lost (node_001): recreated on node_004; workloads and cluster state of the old one did not survive; 2/2 nodes running');
  });
});
