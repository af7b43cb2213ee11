import { StalledError } from '../../reconcile/errors.js';
import { fromDoTags, ownershipTags, readOwnership, TAG, toDoTags } from '../ownership.js';
import type { CreateVmRequest, ObservedVm, VmStatus } from '../types.js';

/** The parts of a droplet (reference §1.2) the adapter reads. */
export interface DropletJson {
  id: number;
  name: string;
  status: string;
  locked?: boolean;
  created_at: string;
  region: { slug: string } | string;
  tags?: string[];
  networks?: { v4?: { ip_address: string; type: string }[] };
}

/**
 * DigitalOcean tag names allow `[A-Za-z0-9_:-]` but request tokens may hold `.`, so a token is
 * written with `:` for `.` (no token contains `:`, so this reads back unambiguously).
 */
export function tokenTagValue(requestToken: string): string {
  return requestToken.replaceAll('.', ':');
}

/** The tag that lists droplets by request token. */
export function tokenTag(requestToken: string): string {
  return `${TAG.token}:${tokenTagValue(requestToken)}`;
}

export function ownerTag(ownerId: string): string {
  return `${TAG.owner}:${ownerId}`;
}

/** The string tags of a droplet to create: every ownership tag (DESIGN §3). */
export function createTags(ownerId: string, req: CreateVmRequest): string[] {
  const tags = ownershipTags(ownerId, req);
  return toDoTags({ ...tags, [TAG.token]: tokenTagValue(req.requestToken) });
}

/** What the reconciler sees of a droplet, or null if its tags do not make it ours. */
export function toObservedVm(d: DropletJson, ownerId: string): ObservedVm | null {
  const tags = fromDoTags(d.tags ?? []);
  const token = tags[TAG.token];
  const own = readOwnership({ ...tags, [TAG.token]: token?.replaceAll(':', '.') }, ownerId);
  if (!own) return null;
  const ip = d.networks?.v4?.find((n) => n.type === 'public')?.ip_address;
  return {
    provider: 'digitalocean',
    providerId: String(d.id),
    region: regionOf(d),
    name: d.name,
    ...own,
    status: vmStatus(d),
    ...(ip ? { ip } : {}),
    createdAt: d.created_at,
  };
}

export function regionOf(d: DropletJson): string {
  return typeof d.region === 'string' ? d.region : d.region.slug;
}

/** Whether the droplet's owner tag names `ownerId` (the only test before a delete). */
export function ownedBy(d: DropletJson, ownerId: string): boolean {
  return fromDoTags(d.tags ?? [])[TAG.owner] === ownerId;
}

/** A droplet being destroyed is powered off and locked until it is gone. */
export function isBeingDestroyed(d: DropletJson): boolean {
  return d.status === 'off' && d.locked === true;
}

function vmStatus(d: DropletJson): VmStatus {
  if (d.status === 'new') return 'provisioning';
  if (d.status === 'active') return 'running';
  if (isBeingDestroyed(d)) return 'deleting';
  if (d.status === 'off' || d.status === 'archive') return 'stopped';
  return 'error';
}

/**
 * DigitalOcean's `ssh_keys` only takes keys registered on the account; the raw public key also
 * goes in through cloud-init: added to cloud-config user data, or as the whole user data when none.
 */
export function userDataWithKey(req: Pick<CreateVmRequest, 'userData' | 'sshPublicKey'>): string | undefined {
  const key = req.sshPublicKey?.trim();
  if (!key) return req.userData;
  if (/[\r\n]/.test(key)) throw new StalledError('InvalidRequest', 'sshPublicKey must be a single line');
  const entry = `ssh_authorized_keys:\n  - ${JSON.stringify(key)}\n`;
  if (req.userData === undefined) return `#cloud-config\n${entry}`;
  if (req.userData.startsWith('#cloud-config') && !/^ssh_authorized_keys:/m.test(req.userData)) {
    return `${req.userData.replace(/\n?$/, '\n')}${entry}`;
  }
  throw new StalledError('InvalidRequest', 'sshPublicKey can only be added to cloud-config user data without its own ssh_authorized_keys');
}
