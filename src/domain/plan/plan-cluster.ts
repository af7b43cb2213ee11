import type { ClusterManifest, Role } from '../manifest/types.js';
import { priceChange, type PricedCount } from './cost.js';
import { diffRole, type RoleChanges } from './diff-role.js';
import { byNodeId, createNodeIdAllocator, lastIssuedNumber } from './node-ids.js';
import { buildGroups, isLeaving, removeRanks } from './node-groups.js';
import { checkQuorum, quorumOf } from './quorum.js';
import type { ActualNode, Plan, PlanAction, PlanInput } from './types.js';
import { evenManagerWarnings, removeListWarnings } from './warnings.js';

type CreateAction = Extract<PlanAction, { type: 'createNode' }>;
type DeleteAction = Extract<PlanAction, { type: 'deleteNode' }>;

const MANIFEST_REMOVED = 'cluster manifest was removed';

/**
 * Computes the actions that converge a cluster's actual state to its manifest. Pure and
 * deterministic: the same input always yields the same plan, and a converged cluster yields
 * no actions. A plan that would break the control plane's quorum comes back refused.
 */
export function planCluster(input: PlanInput): Plan {
  return input.desired ? planConvergence(input, input.desired) : planDeletion(input);
}

function planConvergence(input: PlanInput, desired: ClusterManifest): Plan {
  const { actual } = input;
  const members = actual.nodes.filter((n) => !isLeaving(n));
  const groups = buildGroups(desired, members);
  const ranks = removeRanks(groups);
  const changes = { manager: diffRole(groups, 'manager', ranks), worker: diffRole(groups, 'worker', ranks) };
  addRemediation(changes, members, input.remediate ?? []);
  const actions = orderActions(input, desired, members, changes);
  const memberManagers = members.filter((n) => n.role === 'manager');
  const managersAfter = desired.nodes.filter((g) => g.role === 'manager').reduce((sum, g) => sum + g.count, 0);
  const errors = checkQuorum({
    orchestrator: desired.orchestrator,
    initialized: actual.initialized,
    // A provisioning manager (VM booting, or not joined yet) holds no seat in the Raft/etcd
    // membership: counting it would make a surge replacement look like a lost quorum.
    managers: memberManagers.filter((n) => n.status !== 'provisioning'),
    deleted: changes.manager.deletes.map((d) => d.node),
    replaced: changes.manager.replaces.length,
  });
  const initPending = !actual.initialized && !actions.some((a) => a.type === 'initCluster');
  const warnings = [
    ...removeListWarnings(groups, actual.nodes, actions, lastIssuedNumber(actual)),
    ...evenManagerWarnings(desired, managersAfter),
    ...(initPending ? [NO_INIT_TARGET] : []),
  ];
  return {
    clusterId: input.clusterId,
    clusterName: input.clusterName,
    actions: errors.length > 0 ? [] : actions,
    errors,
    warnings,
    quorum: quorumSummary(memberManagers.length, managersAfter),
    cost: priceChange(desired, countPlans(members), desired.nodes),
  };
}

/**
 * Replaces one node that has been unhealthy too long by a new one of the same plan (surge: the
 * new node joins first; the unhealthy one is then surplus and goes first). Never two at once:
 * nothing is remediated while any node is still provisioning or another replacement is planned.
 */
function addRemediation(changes: Record<Role, RoleChanges>, members: readonly ActualNode[], remediate: readonly string[]): void {
  const busy = members.some((n) => n.status === 'provisioning') || changes.manager.replaces.length + changes.worker.replaces.length > 0;
  if (busy) return;
  const leaving = new Set([...changes.manager.deletes, ...changes.worker.deletes].map((d) => d.node.id));
  const node = [...members].sort(byNodeId).find((n) => remediate.includes(n.id) && !leaving.has(n.id));
  if (!node) return;
  changes[node.role].replaces.push({ node, plan: node.plan, reason: `${node.id} has been unhealthy too long; a new node joins, then it is removed` });
}

const NO_INIT_TARGET =
  'the control plane is not initialised and no manager is running or provisioning; it will be initialised once one is';

/**
 * Puts the actions in apply order and hands out new node ids in that order: managers are
 * created first so the control plane can be initialised before workers join; replacements
 * surge (create, then drain and delete the old node); workers are deleted before managers.
 */
function orderActions(
  input: PlanInput,
  desired: ClusterManifest,
  members: readonly ActualNode[],
  changes: Record<Role, RoleChanges>,
): PlanAction[] {
  const nextId = createNodeIdAllocator(input.actual);
  const creates = (role: Role) =>
    changes[role].creates.map((c): CreateAction => ({ type: 'createNode', nodeId: nextId(), role, ...c }));
  const managerCreates = creates('manager');
  const workerCreates = creates('worker');
  const replaces = [...changes.manager.replaces, ...changes.worker.replaces].map(
    ({ node, plan, reason }): PlanAction => ({
      type: 'replaceNode',
      nodeId: node.id,
      newNodeId: nextId(),
      role: node.role,
      fromPlan: node.plan,
      plan,
      reason,
    }),
  );
  const init = input.actual.initialized ? [] : initAction(desired, members, changes.manager, managerCreates, input.actual.lostManagers);
  return [
    ...managerCreates,
    ...init,
    ...workerCreates,
    ...replaces,
    ...deletions('worker', input.actual, changes.worker),
    ...deletions('manager', input.actual, changes.manager),
  ];
}

/** Deletes for one role: removals already under way first (they continue), then the surplus. */
function deletions(role: Role, actual: PlanInput['actual'], changes: RoleChanges): DeleteAction[] {
  const leaving = actual.nodes
    .filter((n) => n.role === role && isLeaving(n))
    .sort(byNodeId)
    .map((node) => deleteAction(node, `removal already under way (${node.status}); it continues`, actual.initialized));
  const surplus = changes.deletes.map(({ node, reason }) => deleteAction(node, reason, actual.initialized));
  return [...leaving, ...surplus];
}

/** Drain only what can hold work: a running (or half-drained) node of a live control plane. */
function deleteAction(node: ActualNode, reason: string, drainable: boolean): DeleteAction {
  const drain = drainable && (node.status === 'running' || node.status === 'draining');
  return { type: 'deleteNode', nodeId: node.id, role: node.role, plan: node.plan, drain, reason };
}

/**
 * Picks where to initialise the control plane: the lowest-id running or provisioning manager
 * that stays, else the first manager being created, else one that is about to be replaced
 * (its replacement then joins the control plane it started).
 */
function initAction(
  desired: ClusterManifest,
  members: readonly ActualNode[],
  managers: RoleChanges,
  managerCreates: readonly CreateAction[],
  lost: readonly string[] | undefined,
): PlanAction[] {
  const going = new Set([...managers.deletes, ...managers.replaces].map((c) => c.node.id));
  const usable = members
    .filter((n) => n.role === 'manager' && (n.status === 'running' || n.status === 'provisioning'))
    .sort(byNodeId);
  const nodeId = usable.find((n) => !going.has(n.id))?.id ?? managerCreates[0]?.nodeId ??
    usable.find((n) => managers.replaces.some((r) => r.node.id === n.id))?.id;
  if (nodeId === undefined) return [];
  if (lost) {
    const reason =
      `every manager of the ${desired.orchestrator} control plane is lost (${lost.join(', ') || 'none left'}); ${nodeId} bootstraps a new one and the ` +
      'surviving nodes rejoin it; workloads and cluster state of the old control plane do not survive';
    return [{ type: 'initCluster', nodeId, reason, recreate: { lost: [...lost] } }];
  }
  const reason = `the ${desired.orchestrator} control plane is not initialised yet; ${nodeId} becomes its first manager`;
  return [{ type: 'initCluster', nodeId, reason }];
}

/** Manifest gone: every node goes (workers first, no drain: the whole cluster is going), then the cluster. */
function planDeletion(input: PlanInput): Plan {
  const { nodes } = input.actual;
  const byRole = (role: Role) => nodes.filter((n) => n.role === role).sort(byNodeId);
  const actions: PlanAction[] = [
    ...[...byRole('worker'), ...byRole('manager')].map((node) => deleteAction(node, MANIFEST_REMOVED, false)),
    { type: 'deleteCluster', reason: MANIFEST_REMOVED },
  ];
  const members = nodes.filter((n) => !isLeaving(n));
  const managersBefore = members.filter((n) => n.role === 'manager').length;
  return {
    clusterId: input.clusterId,
    clusterName: input.clusterName,
    actions,
    errors: [],
    warnings: [],
    quorum: quorumSummary(managersBefore, 0),
    cost: priceChange({ provider: input.provider, region: input.region }, countPlans(members), []),
  };
}

function quorumSummary(managersBefore: number, managersAfter: number): Plan['quorum'] {
  return { managersBefore, managersAfter, quorumBefore: quorumOf(managersBefore), quorumAfter: quorumOf(managersAfter) };
}

function countPlans(nodes: readonly ActualNode[]): PricedCount[] {
  return nodes.map((n) => ({ plan: n.plan, count: 1 }));
}
