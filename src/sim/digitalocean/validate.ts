import type { DoCatalog } from './catalog.js';
import type { DropletInput } from './store.js';

/** A create body accepted, or the 4xx the API would answer (reference §1.2, §1.6). */
export type CreateCheck = { ok: true; input: DropletInput } | Refusal;

interface Refusal {
  ok: false;
  status: 400 | 422;
  message: string;
}

const NAME = /^[a-zA-Z0-9]?[a-z0-9A-Z.-]*[a-z0-9A-Z]$/;
const TAG = /^[a-zA-Z0-9_\-:]+$/;
const USER_DATA_MAX = 64 * 1024;

interface CreateBody {
  name?: unknown;
  names?: unknown;
  region?: unknown;
  size?: unknown;
  image?: unknown;
  tags?: unknown;
  user_data?: unknown;
  ssh_keys?: unknown;
}

const invalid = (what: string): Refusal => ({ ok: false, status: 422, message: `You specified an invalid ${what} for Droplet creation.` });

/**
 * Checks a `POST /v2/droplets` body against the API's rules and what DigitalOcean sells (offer.ts).
 * `sshKeyId` finds an account key by id or fingerprint (`ssh_keys` takes either, reference §1.2).
 */
export function checkCreate(body: unknown, catalog: DoCatalog, sshKeyId: (ref: string | number) => number | undefined): CreateCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, status: 400, message: 'Unable to parse the request body as a JSON object.' };
  }
  const b = body as CreateBody;
  if (b.names !== undefined) return { ok: false, status: 422, message: 'Multiple Droplet creation (names) is not supported by this emulator.' };
  if (typeof b.name !== 'string' || b.name.length > 255 || !NAME.test(b.name)) return invalid('name');
  if (typeof b.size !== 'string' || !catalog.size(b.size)) return invalid('size');
  if ((typeof b.image !== 'string' && typeof b.image !== 'number') || !catalog.image(b.image)) return invalid('image');
  const region = checkRegion(b.region, b.size, catalog);
  if (!region.ok) return region;
  if (!catalog.imageRegions(catalog.image(b.image)!).includes(region.slug)) {
    return { ok: false, status: 422, message: `Image ${String(b.image)} is not available in region ${region.slug}.` };
  }
  const tags = b.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t.length <= 255 && TAG.test(t))) return invalid('tag');
  if (b.user_data !== undefined && (typeof b.user_data !== 'string' || Buffer.byteLength(b.user_data) > USER_DATA_MAX)) {
    return { ok: false, status: 422, message: 'user_data must be a string of at most 64 KiB.' };
  }
  const sshKeyIds = checkSshKeys(b.ssh_keys, sshKeyId);
  if (!Array.isArray(sshKeyIds)) return sshKeyIds;
  return {
    ok: true,
    input: {
      name: b.name,
      region: region.slug,
      size: b.size,
      image: b.image,
      tags: [...new Set(tags as string[])],
      ...(typeof b.user_data === 'string' ? { userData: b.user_data } : {}),
      sshKeyIds,
    },
  };
}

/**
 * Every `ssh_keys` entry must name a key of the account; the API's answer otherwise is
 * 422 "You specified invalid ssh key ids for Droplet creation." (motdotla/digitalocean#45,
 * DigitalOceanPHP/Client#37).
 */
function checkSshKeys(raw: unknown, sshKeyId: (ref: string | number) => number | undefined): number[] | Refusal {
  const refs = raw ?? [];
  const refused: Refusal = { ok: false, status: 422, message: 'You specified invalid ssh key ids for Droplet creation.' };
  if (!Array.isArray(refs)) return refused;
  const ids: number[] = [];
  for (const ref of refs) {
    const id = typeof ref === 'string' || typeof ref === 'number' ? sshKeyId(ref) : undefined;
    if (id === undefined) return refused;
    ids.push(id);
  }
  return [...new Set(ids)];
}

/** A region is optional in a create (any region that sells the size); when given it must take the size. */
function checkRegion(region: unknown, size: string, catalog: DoCatalog): { ok: true; slug: string } | Refusal {
  if (region === undefined) {
    const any = catalog.anyRegionFor(size);
    return any ? { ok: true, slug: any } : invalid('size');
  }
  const spec = typeof region === 'string' ? catalog.region(region) : undefined;
  if (typeof region !== 'string' || !spec) return invalid('region');
  if (!spec.available) return { ok: false, status: 422, message: `Region ${region} is not available for new Droplets.` };
  if (!catalog.sizesIn(region).some((s) => s.slug === size)) {
    return { ok: false, status: 422, message: `Size ${size} is not available in region ${region}.` };
  }
  return { ok: true, slug: region };
}
