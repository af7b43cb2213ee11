import { canManage, canRead } from '../../auth/access.js';
import type { Principal } from '../../auth/types.js';
import { ApiError, notFound } from '../errors.js';
import type { ClusterApiDeps } from './deps.js';
import { knownCluster, knownClusters, type KnownCluster } from './view.js';

/** Clusters the principal may read (never another organization's). */
export function readableClusters(deps: ClusterApiDeps, principal: Principal): KnownCluster[] {
  return knownClusters(deps.desired(), deps.store).filter((c) => canRead(principal, c));
}

/**
 * Finds a cluster for a call. A cluster the caller may not read answers 404 like one that does
 * not exist, so ids cannot be probed; one it may read but not manage answers 403.
 */
export function resolveCluster(deps: ClusterApiDeps, principal: Principal, clusterId: string, need: 'read' | 'manage'): KnownCluster {
  const cluster = knownCluster(deps.desired(), deps.store, clusterId);
  if (!cluster || !canRead(principal, cluster)) throw notFound();
  if (need === 'manage' && !canManage(principal, cluster)) {
    throw new ApiError('FORBIDDEN', `you may read cluster ${cluster.name} but not change it: ask an admin of ${cluster.organizationId} for the manage permission`);
  }
  return cluster;
}

/** A cluster whose manifest is in Git and valid, for writes. */
export type WritableCluster = KnownCluster & { manifest: NonNullable<KnownCluster['manifest']>; file: string };

export function writableCluster(deps: ClusterApiDeps, principal: Principal, clusterId: string): WritableCluster {
  const cluster = resolveCluster(deps, principal, clusterId, 'manage');
  if (cluster.invalid) throw new ApiError('UNPROCESSABLE_CONTENT', `the manifest of ${cluster.name} in Git is invalid; fix it first: ${cluster.invalid}`);
  if (!cluster.manifest) throw new ApiError('UNPROCESSABLE_CONTENT', `cluster ${cluster.name} is being deleted`);
  return cluster as WritableCluster;
}
