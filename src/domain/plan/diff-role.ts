import type { PlanName, Role } from '../manifest/types.js';
import { byNodeId } from './node-ids.js';
import { compareRemoval, removalTier, type GroupState } from './node-groups.js';
import type { ActualNode } from './types.js';

/** A node to create, before it has an id. */
export interface CreateSlot {
  plan: PlanName;
  reason: string;
}

/** A node to replace by a new one of another plan (surge: the new one comes first). */
export interface Replacement {
  node: ActualNode;
  plan: PlanName;
  reason: string;
}

/** A member node to delete because its group has too many. */
export interface Removal {
  node: ActualNode;
  reason: string;
}

/** What one role needs: new nodes, replacements and removals, each in the order to apply them. */
export interface RoleChanges {
  creates: CreateSlot[];
  replaces: Replacement[];
  deletes: Removal[];
}

/**
 * Diffs the groups of one role. Surplus nodes of one plan fill the deficit of another plan as
 * replacements; the surplus nodes earliest in removal order are deleted instead, so that an
 * unhealthy node or one listed under `remove:` goes rather than being carried over.
 */
export function diffRole(groups: readonly GroupState[], role: Role, ranks: ReadonlyMap<string, number>): RoleChanges {
  const own = groups.filter((g) => g.role === role);
  const surplus = own.flatMap((g) => surplusOf(g, ranks)).sort((a, b) => compareRemoval(a.node, b.node, ranks));
  const slots = own.flatMap(deficitOf);
  const deleteCount = Math.max(0, surplus.length - slots.length);
  const replaced = surplus.slice(deleteCount).map((r) => r.node).sort(byNodeId);
  return {
    creates: slots.slice(replaced.length),
    replaces: replaced.map((node, i) => {
      const plan = slots[i]!.plan;
      return { node, plan, reason: `plan of ${role} changes from ${node.plan} to ${plan}` };
    }),
    deletes: surplus.slice(0, deleteCount),
  };
}

function surplusOf(g: GroupState, ranks: ReadonlyMap<string, number>): Removal[] {
  const extra = g.nodes.length - g.desired;
  if (extra <= 0) return [];
  return g.nodes.slice(0, extra).map((node) => ({ node, reason: surplusReason(g, node, ranks) }));
}

function deficitOf(g: GroupState): CreateSlot[] {
  const missing = g.desired - g.nodes.length;
  const reason = `${g.role} group ${g.plan} grows from ${g.nodes.length} to ${g.desired}`;
  return Array.from({ length: Math.max(0, missing) }, () => ({ plan: g.plan, reason }));
}

function surplusReason(g: GroupState, node: ActualNode, ranks: ReadonlyMap<string, number>): string {
  if (!g.inManifest) return `${g.role} group ${g.plan} is no longer in the manifest`;
  const shrinks = `${g.role} group ${g.plan} shrinks from ${g.nodes.length} to ${g.desired}`;
  switch (removalTier(node, ranks)) {
    case 'listed':
      return `${shrinks}; ${node.id} is listed under remove:`;
    case 'failed':
      return `${shrinks}; ${node.id} is ${node.status}`;
    case 'newest':
      return `newest ${g.role} of group ${g.plan} (${g.nodes.length} → ${g.desired})`;
  }
}
