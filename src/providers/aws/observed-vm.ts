import type { Instance } from '@aws-sdk/client-ec2';
import { readOwnership } from '../ownership.js';
import type { ObservedVm, VmStatus } from '../types.js';

/** EC2 tags as key/value. */
export function tagsOf(instance: Instance): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of instance.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

const STATUS: Record<string, VmStatus> = {
  pending: 'provisioning',
  running: 'running',
  'shutting-down': 'deleting',
  terminated: 'deleting',
  stopping: 'stopped',
  stopped: 'stopped',
};

/** The instance as the reconciler sees it, or null when its tags do not make it ours. */
export function toObservedVm(instance: Instance, region: string, ownerId: string): ObservedVm | null {
  const tags = tagsOf(instance);
  const owned = readOwnership(tags, ownerId);
  if (!owned || !instance.InstanceId) return null;
  // The token tag is what we wrote; the ClientToken is EC2's own record of the same value.
  const requestToken = owned.requestToken ?? (instance.ClientToken || undefined);
  return {
    provider: 'aws',
    providerId: instance.InstanceId,
    region,
    name: tags['Name'] ?? instance.InstanceId,
    clusterId: owned.clusterId,
    nodeId: owned.nodeId,
    role: owned.role,
    plan: owned.plan,
    ...(requestToken ? { requestToken } : {}),
    status: STATUS[instance.State?.Name ?? ''] ?? 'error',
    ...(instance.PublicIpAddress ? { ip: instance.PublicIpAddress } : {}),
    createdAt: instance.LaunchTime?.toISOString() ?? '',
  };
}
