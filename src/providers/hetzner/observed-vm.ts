import type { OwnedTags } from '../ownership.js';
import type { ObservedVm, VmStatus } from '../types.js';
import type { HetznerServer, HetznerServerStatus } from './api-types.js';

const STATUS: Record<HetznerServerStatus, VmStatus> = {
  initializing: 'provisioning',
  starting: 'provisioning',
  migrating: 'provisioning',
  rebuilding: 'provisioning',
  running: 'running',
  stopping: 'stopped',
  off: 'stopped',
  deleting: 'deleting',
  unknown: 'error',
};

/** A Hetzner server as the reconciler sees it; `owned` is what its labels say. */
export function toObservedVm(server: HetznerServer, owned: OwnedTags): ObservedVm {
  const ip = server.public_net.ipv4?.ip;
  return {
    provider: 'hetzner',
    providerId: String(server.id),
    region: server.location.name,
    name: server.name,
    clusterId: owned.clusterId,
    nodeId: owned.nodeId,
    role: owned.role,
    plan: owned.plan,
    ...(owned.requestToken !== undefined ? { requestToken: owned.requestToken } : {}),
    status: STATUS[server.status] ?? 'error',
    ...(ip !== undefined ? { ip } : {}),
    createdAt: server.created,
  };
}
