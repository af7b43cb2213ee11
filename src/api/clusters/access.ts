import type { Permission } from '../../domain/manifest/types.js';
import { ApiError, notFound } from '../errors.js';
import { commitWrite, editExisting } from './commit.js';
import type { Call, Outcome } from './deps.js';
import { writableCluster } from './resolve.js';

/** `cluster.grantAccess`: adds (or changes) a user's grant in the manifest's `access:` list. */
export async function grantAccess(call: Call): Promise<Outcome> {
  const { principal, input, deps } = call;
  const cluster = writableCluster(deps, principal, input.clusterId as string);
  const userId = input.userId as string;
  const permission = input.permission as Permission;
  if (!(await deps.isMemberOf(userId, cluster.organizationId))) throw new ApiError('NOT_FOUND', `user ${userId} is not a member of ${cluster.organizationId}`, 'userId');
  await commitWrite(call, `cluster.grantAccess: ${cluster.name} ${permission} to ${userId}`, editExisting(cluster.id, cluster.file, [{ op: 'setAccess', userId, permission }]));
  return { status: 200, data: { clusterId: cluster.id, userId, permission } };
}

/** `cluster.revokeAccess`: removes a user's grant. */
export async function revokeAccess(call: Call): Promise<Outcome> {
  const { principal, input, deps } = call;
  const cluster = writableCluster(deps, principal, input.clusterId as string);
  const userId = input.userId as string;
  if (!cluster.access.some((a) => a.userId === userId)) throw notFound('grant');
  await commitWrite(call, `cluster.revokeAccess: ${cluster.name} from ${userId}`, editExisting(cluster.id, cluster.file, [{ op: 'removeAccess', userId }]));
  return { status: 204 };
}
