import type { ClusterManifest, NodeGroup, Orchestrator, PlanName, Provider, Role } from '../../../../src/domain/manifest/types.js';
import type { ActualNode, NodeStatus, PlanAction, PlanInput } from '../../../../src/domain/plan/types.js';

/**
 * An actual node `node_<num>`. Created on day `num` of March unless `day` says otherwise,
 * so by default a higher id is also a newer node.
 */
export function node(num: number, role: Role, plan: PlanName, status: NodeStatus = 'running', day = num): ActualNode {
  const id = `node_${String(num).padStart(3, '0')}`;
  const createdAt = `2026-03-${String(day).padStart(2, '0')}T10:00:00Z`;
  return { id, role, plan, status, providerId: `vm-${num}`, createdAt };
}

/** A validated manifest for cluster `web`. */
export function manifest(
  orchestrator: Orchestrator,
  nodes: NodeGroup[],
  where: { provider: Provider; region: string } = { provider: 'digitalocean', region: 'sfo3' },
): ClusterManifest {
  return { organizationId: 'org_abc123', name: 'web', orchestrator, nodes, ...where };
}

/** Planner input for cluster `web`; `lastNodeNumber` defaults to the highest id present. */
export function input(
  desired: ClusterManifest | null,
  nodes: ActualNode[],
  opts: { initialized?: boolean; lastNodeNumber?: number } = {},
): PlanInput {
  const highest = Math.max(0, ...nodes.map((n) => Number(n.id.slice('node_'.length))));
  return {
    clusterId: 'cluster_web',
    clusterName: 'web',
    desired,
    actual: { nodes, initialized: opts.initialized ?? true, lastNodeNumber: opts.lastNodeNumber ?? highest },
  };
}

/** An action in a few characters, so expected plans read as a list: `+ node_004 worker small`. */
export function brief(action: PlanAction): string {
  switch (action.type) {
    case 'createNode':
      return `+ ${action.nodeId} ${action.role} ${action.plan}`;
    case 'initCluster':
      return `init ${action.nodeId}`;
    case 'replaceNode':
      return `~ ${action.nodeId} → ${action.newNodeId} ${action.role} ${action.fromPlan}→${action.plan}`;
    case 'deleteNode':
      return `- ${action.nodeId}${action.drain ? ' drain' : ''}`;
    case 'deleteCluster':
      return '- cluster';
  }
}

/**
 * The actual state after a plan was applied successfully: what a second reconcile pass
 * would observe. New nodes come up running and newer than every existing node.
 */
export function applied(given: PlanInput, actions: readonly PlanAction[]): PlanInput {
  let nodes = [...given.actual.nodes];
  let { initialized, lastNodeNumber } = given.actual;
  const add = (id: string, role: Role, plan: PlanName) => {
    const num = Number(id.slice('node_'.length));
    nodes.push({ ...node(num, role, plan), createdAt: `2026-04-${String(num % 28 + 1).padStart(2, '0')}T10:00:00Z` });
    lastNodeNumber = Math.max(lastNodeNumber, num);
  };
  for (const a of actions) {
    if (a.type === 'createNode') add(a.nodeId, a.role, a.plan);
    if (a.type === 'replaceNode') add(a.newNodeId, a.role, a.plan);
    if (a.type === 'replaceNode' || a.type === 'deleteNode') nodes = nodes.filter((n) => n.id !== a.nodeId);
    if (a.type === 'initCluster') initialized = true;
  }
  return { ...given, actual: { nodes, initialized, lastNodeNumber } };
}
