import type { AccessGrant, Permission } from '../domain/manifest/types.js';
import type { Principal } from './types.js';

/** What access decisions need of a cluster: its organization and its manifest's `access:` list. */
export interface ClusterAccessScope {
  organizationId: string;
  access?: readonly AccessGrant[];
}

/** What a principal may do with one cluster: `admin` (org admin), a grant, or nothing (null). */
export type EffectiveAccess = 'admin' | Permission | null;

/** True if the principal belongs to the organization, in any role. */
export function isMember(principal: Principal, organizationId: string): boolean {
  return principal.memberships.some((m) => m.organizationId === organizationId);
}

/** True if the principal is an admin of the organization. */
export function isOrgAdmin(principal: Principal, organizationId: string): boolean {
  return principal.memberships.some((m) => m.organizationId === organizationId && m.role === 'admin');
}

/**
 * DESIGN §6. Outside the cluster's organization: nothing, whatever the grants say. Org admins:
 * everything. Members: the strongest of their grants in the manifest (`manage` implies `read`).
 */
export function effectiveAccess(principal: Principal, cluster: ClusterAccessScope): EffectiveAccess {
  if (!isMember(principal, cluster.organizationId)) return null;
  if (isOrgAdmin(principal, cluster.organizationId)) return 'admin';
  const grants = (cluster.access ?? []).filter((g) => g.userId === principal.userId);
  if (grants.some((g) => g.permission === 'manage')) return 'manage';
  return grants.some((g) => g.permission === 'read') ? 'read' : null;
}

/** May see the cluster (lists, one, nodes, listAccess). Otherwise the API answers 404. */
export function canRead(principal: Principal, cluster: ClusterAccessScope): boolean {
  return effectiveAccess(principal, cluster) !== null;
}

/** May update, addNode, removeNode, remove, grantAccess and revokeAccess. */
export function canManage(principal: Principal, cluster: ClusterAccessScope): boolean {
  const access = effectiveAccess(principal, cluster);
  return access === 'admin' || access === 'manage';
}

/** Any member, admin or not, may create clusters in their organization. */
export function canCreateIn(principal: Principal, organizationId: string): boolean {
  return isMember(principal, organizationId);
}
