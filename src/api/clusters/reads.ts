import { isMember } from '../../auth/access.js';
import { ApiError } from '../errors.js';
import type { Call, Outcome } from './deps.js';
import { readableClusters, resolveCluster } from './resolve.js';
import { toApiCluster, toApiClusterDetail, toApiNodes } from './view.js';

/** `cluster.all`: the clusters of an organization (all of the caller's when none is named) the caller may read. */
export async function listClusters({ principal, input, deps }: Call): Promise<Outcome> {
  const org = input.organizationId as string | undefined;
  if (org !== undefined && !isMember(principal, org)) throw new ApiError('NOT_FOUND', 'organization not found');
  const clusters = readableClusters(deps, principal).filter((c) => org === undefined || c.organizationId === org);
  return { status: 200, data: clusters.map((c) => toApiCluster(c, deps.now)) };
}

/**
 * `cluster.one`: one cluster with its nodes as last observed, and (an addition to the seed) its
 * bounded event history, oldest first, so people see what happened without reading logs.
 */
export async function getCluster({ principal, input, deps }: Call): Promise<Outcome> {
  const cluster = resolveCluster(deps, principal, input.clusterId as string, 'read');
  const events = (cluster.record?.events ?? []).map(({ at, type, nodeId, message }) => ({ at, type, ...(nodeId ? { nodeId } : {}), message }));
  return { status: 200, data: { ...toApiClusterDetail(cluster, deps.now), events } };
}

/** `cluster.nodes`: the cluster's nodes with ids, IPs and status. */
export async function listNodes({ principal, input, deps }: Call): Promise<Outcome> {
  const cluster = resolveCluster(deps, principal, input.clusterId as string, 'read');
  return { status: 200, data: toApiNodes(cluster) };
}

/** `cluster.listAccess`: the per-cluster grants in the manifest. */
export async function listAccess({ principal, input, deps }: Call): Promise<Outcome> {
  const cluster = resolveCluster(deps, principal, input.clusterId as string, 'read');
  return { status: 200, data: cluster.access.map((a) => ({ userId: a.userId, permission: a.permission })) };
}
