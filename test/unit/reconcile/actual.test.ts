import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../../src/domain/plan/types.js';
import type { ObservedVm, VmStatus } from '../../../src/providers/types.js';
import { buildActual } from '../../../src/reconcile/actual.js';
import type { ClusterRecord, Intent } from '../../../src/store/types.js';

function record(over: Partial<ClusterRecord> = {}): ClusterRecord {
  return {
    id: 'cluster_web001',
    name: 'web',
    organizationId: 'org_abc123',
    provider: 'hetzner',
    region: 'fsn1',
    orchestrator: 'swarm',
    createdAt: '2026-03-01T10:00:00.000Z',
    lastNodeNumber: 3,
    initialized: true,
    intents: [],
    status: null,
    updatedAt: '2026-03-01T10:00:00.000Z',
    events: [],
    ...over,
  };
}

function vm(nodeId: string, status: VmStatus = 'running', over: Partial<ObservedVm> = {}): ObservedVm {
  return {
    provider: 'hetzner',
    providerId: `srv-${nodeId}`,
    region: 'fsn1',
    name: `web-${nodeId}`,
    clusterId: 'cluster_web001',
    nodeId,
    role: 'worker',
    plan: 'small',
    status,
    ip: '10.0.0.7',
    createdAt: '2026-03-02T10:00:00.000Z',
    ...over,
  };
}

const createIntent = (nodeId: string, at = '2026-03-05T10:00:00.000Z'): Intent => ({
  kind: 'create',
  nodeId,
  role: 'manager',
  plan: 'medium',
  region: 'fsn1',
  size: 'cx32',
  requestToken: `ct-${nodeId}`,
  at,
});

const deleteIntent = (nodeId: string): Intent => ({ kind: 'delete', nodeId, providerId: `srv-${nodeId}`, region: 'fsn1', at: '2026-03-06T10:00:00.000Z' });

describe('buildActual', () => {
  it.each<[VmStatus, NodeStatus]>([
    ['provisioning', 'provisioning'],
    ['running', 'running'],
    ['stopped', 'unhealthy'],
    ['deleting', 'deleting'],
    ['error', 'error'],
  ])('a %s VM is a %s node', (vmStatus, nodeStatus) => {
    const actual = buildActual(record(), [vm('node_001', vmStatus)]);

    expect(actual.nodes).toEqual([
      { id: 'node_001', role: 'worker', plan: 'small', status: nodeStatus, providerId: 'srv-node_001', ip: '10.0.0.7', createdAt: '2026-03-02T10:00:00.000Z' },
    ]);
  });

  it('leaves ip out when the VM has none yet', () => {
    const { nodes } = buildActual(record(), [vm('node_001', 'provisioning', { ip: undefined }), vm('node_002', 'provisioning', { ip: '' })]);

    expect(nodes.map((n) => 'ip' in n)).toEqual([false, false]);
  });

  it('shows a journaled create without a visible VM as a provisioning node with no provider id', () => {
    const rec = record({ intents: [createIntent('node_004')], lastNodeNumber: 4 });

    const { nodes } = buildActual(rec, [vm('node_001')]);

    expect(nodes).toHaveLength(2);
    expect(nodes[1]).toEqual({ id: 'node_004', role: 'manager', plan: 'medium', status: 'provisioning', providerId: '', createdAt: '2026-03-05T10:00:00.000Z' });
  });

  it('does not add a journaled create whose VM is already visible', () => {
    const { nodes } = buildActual(record({ intents: [createIntent('node_001')] }), [vm('node_001', 'running')]);

    expect(nodes).toEqual([expect.objectContaining({ id: 'node_001', status: 'running', providerId: 'srv-node_001', role: 'worker', plan: 'small' })]);
  });

  it.each<VmStatus>(['running', 'provisioning', 'stopped', 'error'])('marks a journaled delete as deleting whatever the provider says (%s)', (status) => {
    const { nodes } = buildActual(record({ intents: [deleteIntent('node_002')] }), [vm('node_001'), vm('node_002', status)]);

    expect(nodes.map((n) => [n.id, n.status])).toEqual([
      ['node_001', 'running'],
      ['node_002', 'deleting'],
    ]);
  });

  it('does not invent a node for a journaled delete whose VM is gone', () => {
    const { nodes } = buildActual(record({ intents: [deleteIntent('node_002')] }), [vm('node_001')]);

    expect(nodes.map((n) => n.id)).toEqual(['node_001']);
  });

  it.each([
    { lastNodeNumber: 0, initialized: false },
    { lastNodeNumber: 7, initialized: true },
  ])('takes lastNodeNumber and initialized from the record (%o), not from the VMs', ({ lastNodeNumber, initialized }) => {
    const actual = buildActual(record({ lastNodeNumber, initialized }), [vm('node_003')]);

    expect(actual.lastNodeNumber).toBe(lastNodeNumber);
    expect(actual.initialized).toBe(initialized);
  });

  it('returns an empty cluster for no VMs and no intents', () => {
    expect(buildActual(record({ lastNodeNumber: 0, initialized: false }), [])).toEqual({ nodes: [], initialized: false, lastNodeNumber: 0 });
  });
});
