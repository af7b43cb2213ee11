import type { ClusterManifest, PlanName, Role } from '../manifest/types.js';
import { byNodeId } from './node-ids.js';
import type { ActualNode } from './types.js';

/**
 * One (role, plan) node group with the nodes that count toward it, sorted in removal order:
 * the first `nodes.length - desired` of them are the group's surplus.
 */
export interface GroupState {
  role: Role;
  plan: PlanName;
  /** The manifest's count; 0 for a group that exists only in actual state. */
  desired: number;
  inManifest: boolean;
  remove: string[];
  nodes: ActualNode[];
}

/** Why a node is early in the removal order. */
export type RemovalTier = 'listed' | 'failed' | 'newest';

/** Draining and deleting nodes are already on their way out and never count toward a group. */
export function isLeaving(node: ActualNode): boolean {
  return node.status === 'draining' || node.status === 'deleting';
}

/** Groups the member nodes by (role, plan): manifest groups first, in manifest order. */
export function buildGroups(desired: ClusterManifest, members: readonly ActualNode[]): GroupState[] {
  const groups = new Map<string, GroupState>();
  for (const g of desired.nodes) {
    groups.set(groupKey(g.role, g.plan), {
      role: g.role,
      plan: g.plan,
      desired: g.count,
      inManifest: true,
      remove: g.remove ?? [],
      nodes: [],
    });
  }
  for (const node of [...members].sort(byNodeId)) {
    const key = groupKey(node.role, node.plan);
    const group = groups.get(key) ?? { role: node.role, plan: node.plan, desired: 0, inManifest: false, remove: [], nodes: [] };
    group.nodes.push(node);
    groups.set(key, group);
  }
  const list = [...groups.values()];
  const ranks = removeRanks(list);
  for (const g of list) g.nodes.sort((a, b) => compareRemoval(a, b, ranks));
  return list;
}

/**
 * Where each node listed under a group's `remove:` stands, across the whole cluster
 * (manifest group order, then list order). Ids listed under a group they are not in are ignored.
 */
export function removeRanks(groups: readonly GroupState[]): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const g of groups) {
    for (const id of g.remove) {
      if (!ranks.has(id) && g.nodes.some((n) => n.id === id)) ranks.set(id, ranks.size);
    }
  }
  return ranks;
}

export function removalTier(node: ActualNode, ranks: ReadonlyMap<string, number>): RemovalTier {
  if (ranks.has(node.id)) return 'listed';
  if (node.status === 'unhealthy' || node.status === 'error') return 'failed';
  return 'newest';
}

const TIER_ORDER: Record<RemovalTier, number> = { listed: 0, failed: 1, newest: 2 };

/** Removal order: listed under `remove:` (in list order), then unhealthy/error, then newest. */
export function compareRemoval(a: ActualNode, b: ActualNode, ranks: ReadonlyMap<string, number>): number {
  const tierA = removalTier(a, ranks);
  const tierB = removalTier(b, ranks);
  if (tierA !== tierB) return TIER_ORDER[tierA] - TIER_ORDER[tierB];
  if (tierA === 'listed') return ranks.get(a.id)! - ranks.get(b.id)!;
  const age = createdMs(b) - createdMs(a);
  return age !== 0 ? age : byNodeId(b, a);
}

function createdMs(node: ActualNode): number {
  const ms = Date.parse(node.createdAt);
  return Number.isNaN(ms) ? 0 : ms;
}

function groupKey(role: Role, plan: PlanName): string {
  return `${role}/${plan}`;
}
