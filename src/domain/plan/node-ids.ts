import type { ActualCluster, ActualNode } from './types.js';

const NODE_ID = /^node_(\d+)$/;

/** The number in `node_007`; 0 for an id that does not follow the node id pattern. */
export function nodeNumber(id: string): number {
  const match = NODE_ID.exec(id);
  return match ? Number(match[1]) : 0;
}

/** `7` → `node_007`: zero-padded to at least three digits (DESIGN §2 ids). */
export function formatNodeId(n: number): string {
  return `node_${String(n).padStart(3, '0')}`;
}

/** Orders nodes by id number, oldest id first; ties (foreign ids) fall back to the id text. */
export function byNodeId(a: ActualNode, b: ActualNode): number {
  const diff = nodeNumber(a.id) - nodeNumber(b.id);
  if (diff !== 0) return diff;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Hands out fresh node ids for one plan, continuing after both the recorded high-water mark
 * and every node that still exists, so an id is never reused even if the record lags behind.
 */
export function createNodeIdAllocator(actual: ActualCluster): () => string {
  let last = lastIssuedNumber(actual);
  return () => {
    last += 1;
    return formatNodeId(last);
  };
}

/** The highest node number ever handed out: the record's, or a higher one still in the cloud. */
export function lastIssuedNumber(actual: ActualCluster): number {
  return actual.nodes.reduce((max, n) => Math.max(max, nodeNumber(n.id)), actual.lastNodeNumber);
}
