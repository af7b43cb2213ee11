import type { ClusterManifest } from '../manifest/types.js';
import type { GroupState } from './node-groups.js';
import { nodeNumber } from './node-ids.js';
import type { ActualNode, PlanAction } from './types.js';

/**
 * Points out `remove:` entries that will not do what they say: an id that does not exist,
 * belongs to another group, or sits in a group that does not shrink far enough to reach it.
 * Nodes already draining or deleting are going anyway, so they are not mentioned, and neither
 * are ids that were issued and are gone: `remove:` keeps them after the node went, harmlessly,
 * since ids are never reused.
 */
export function removeListWarnings(
  groups: readonly GroupState[],
  allNodes: readonly ActualNode[],
  actions: readonly PlanAction[],
  lastIssued: number,
): string[] {
  const leaving = new Set(actions.flatMap((a) => (a.type === 'deleteNode' || a.type === 'replaceNode' ? [a.nodeId] : [])));
  return groups.flatMap((g) =>
    g.remove.flatMap((id) => {
      const listed = `${g.role} group ${g.plan} lists ${id} under remove:`;
      const node = allNodes.find((n) => n.id === id);
      if (!node) return nodeNumber(id) <= lastIssued ? [] : [`${listed}, but there is no such node`];
      if (leaving.has(id)) return [];
      if (node.role !== g.role || node.plan !== g.plan) {
        return [`${listed}, but ${id} is a ${node.role} of plan ${node.plan}, not a node of that group`];
      }
      return [`${listed}, but the group does not shrink far enough to remove it, so ${id} stays`];
    }),
  );
}

/** Kubernetes accepts an even manager count, but it buys nothing (swarm rejects it at validation). */
export function evenManagerWarnings(desired: ClusterManifest, managersAfter: number): string[] {
  if (desired.orchestrator !== 'kubernetes' || managersAfter === 0 || managersAfter % 2 === 1) return [];
  return [
    `the kubernetes control plane will have ${managersAfter} managers; an even number of managers ` +
      'tolerates no more failures than one fewer',
  ];
}
