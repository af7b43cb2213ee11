import type { ActualCluster, ActualNode, NodeStatus } from '../domain/plan/types.js';
import type { ObservedVm, VmStatus } from '../providers/types.js';
import type { ClusterRecord } from '../store/types.js';

const NODE_STATUS: Record<VmStatus, NodeStatus> = {
  provisioning: 'provisioning',
  running: 'running',
  stopped: 'unhealthy',
  deleting: 'deleting',
  error: 'error',
};

/**
 * What exists for a cluster: its VMs, plus journaled creates whose VM is not visible yet
 * (they count as provisioning so the planner never asks for the node twice) and journaled
 * deletes (those nodes are leaving, whatever the provider says).
 */
export function buildActual(record: ClusterRecord, vms: readonly ObservedVm[]): ActualCluster {
  const deleting = new Set(record.intents.flatMap((i) => (i.kind === 'delete' ? [i.nodeId] : [])));
  const nodes: ActualNode[] = vms.map((vm) => ({
    id: vm.nodeId,
    role: vm.role,
    plan: vm.plan,
    status: deleting.has(vm.nodeId) ? 'deleting' : NODE_STATUS[vm.status],
    providerId: vm.providerId,
    ...(vm.ip ? { ip: vm.ip } : {}),
    createdAt: vm.createdAt,
  }));
  const seen = new Set(nodes.map((n) => n.id));
  for (const intent of record.intents) {
    if (intent.kind !== 'create' || seen.has(intent.nodeId)) continue;
    nodes.push({ id: intent.nodeId, role: intent.role, plan: intent.plan, status: 'provisioning', providerId: intent.providerId ?? '', createdAt: intent.at });
  }
  return { nodes, ...controlPlaneOf(record) };
}

/** Whether the control plane is initialised, and the lost managers while a new one is still to be bootstrapped. */
function controlPlaneOf(record: ClusterRecord): Pick<ActualCluster, 'initialized' | 'lastNodeNumber' | 'lostManagers'> {
  const loss = record.controlPlaneLoss;
  const recovering = !record.initialized && loss !== undefined && loss.recreatedOn === undefined;
  return { initialized: record.initialized, lastNodeNumber: record.lastNodeNumber, ...(recovering ? { lostManagers: loss.lost } : {}) };
}

/**
 * The actual state as last observed and saved in a cluster's record (for plans made outside a
 * pass: pull requests, `clusterops plan`); an unknown cluster is empty.
 */
export function actualFromRecord(record: ClusterRecord | undefined): ActualCluster {
  if (!record) return { nodes: [], initialized: false, lastNodeNumber: 0 };
  const nodes = (record.status?.nodes ?? []).map((n) => ({
    id: n.id,
    role: n.role,
    plan: n.plan,
    status: n.status,
    // Not kept in the status view; the planner only needs it to order removals (falls back to the id).
    providerId: '',
    createdAt: '',
    ...(n.ip ? { ip: n.ip } : {}),
    ...(n.orchestratorStatus ? { orchestratorStatus: n.orchestratorStatus } : {}),
  }));
  return { nodes, ...controlPlaneOf(record) };
}
