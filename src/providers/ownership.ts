import { createHash } from 'node:crypto';
import { PLAN_NAMES, ROLES, type PlanName, type Role } from '../domain/manifest/types.js';
import type { CreateVmRequest } from './types.js';

/**
 * Ownership tags (DESIGN §3), one vocabulary for all providers. DigitalOcean tags are plain
 * strings, so there they are written `key:value`; Hetzner labels and EC2 tags are key=value.
 */
export const TAG = {
  owner: 'clusterops-owner',
  cluster: 'clusterops-cluster',
  node: 'clusterops-node',
  role: 'clusterops-role',
  plan: 'clusterops-plan',
  token: 'clusterops-token',
} as const;

/** Owner ids and request tokens must survive every provider's tag alphabet. */
export const OWNER_ID = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
export const REQUEST_TOKEN = /^[A-Za-z0-9._-]{1,63}$/;

/** The key/value tags of a VM to create. */
export function ownershipTags(ownerId: string, req: CreateVmRequest): Record<string, string> {
  return {
    [TAG.owner]: ownerId,
    [TAG.cluster]: req.clusterId,
    [TAG.node]: req.nodeId,
    [TAG.role]: req.role,
    [TAG.plan]: req.plan,
    [TAG.token]: req.requestToken,
  };
}

/** What the tags say about a VM, or null if they do not make it a VM of `ownerId`. */
export interface OwnedTags {
  clusterId: string;
  nodeId: string;
  role: Role;
  plan: PlanName;
  requestToken?: string;
}

export function readOwnership(tags: Record<string, string | undefined>, ownerId: string): OwnedTags | null {
  if (tags[TAG.owner] !== ownerId) return null;
  const clusterId = tags[TAG.cluster];
  const nodeId = tags[TAG.node];
  const role = tags[TAG.role] as Role | undefined;
  const plan = tags[TAG.plan] as PlanName | undefined;
  if (!clusterId || !nodeId || !role || !ROLES.includes(role) || !plan || !PLAN_NAMES.includes(plan)) return null;
  const token = tags[TAG.token];
  return { clusterId, nodeId, role, plan, ...(token ? { requestToken: token } : {}) };
}

/** DigitalOcean string tags ↔ key/value. */
export function toDoTags(tags: Record<string, string>): string[] {
  return Object.entries(tags).map(([k, v]) => `${k}:${v}`);
}

export function fromDoTags(tags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags) {
    const i = t.indexOf(':');
    if (i > 0) out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

/**
 * A VM name every provider accepts (Hetzner: a hostname, unique per project). It carries a
 * short hash of the owner, so two clusterops instances sharing a project never claim each
 * other's names, and is deterministic, so a retried create finds the VM it made.
 */
export function vmName(req: Pick<CreateVmRequest, 'clusterName' | 'nodeId' | 'clusterId'>, ownerId: string): string {
  const node = req.nodeId.replace('node_', 'n');
  const owner = createHash('sha256').update(ownerId).digest('hex').slice(0, 6);
  const cluster = req.clusterId.replace('cluster_', '').slice(0, 63 - owner.length - node.length - 5);
  const prefix = req.clusterName.slice(0, Math.max(0, 63 - cluster.length - owner.length - node.length - 3));
  return `${prefix}-${cluster}-${owner}-${node}`.replace(/^-+/, '');
}
