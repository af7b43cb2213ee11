import { createHash } from 'node:crypto';
import type { DoCatalog } from './catalog.js';
import type { ActionRecord, DropletRecord, DropletStatus } from './store.js';

/** The JSON shapes of the DigitalOcean v2 API (reference §1.2, §1.5), built from emulator records. */
export interface DoRenderer {
  droplet(d: DropletRecord, status: DropletStatus): Record<string, unknown>;
  action(a: ActionRecord, now: number): Record<string, unknown>;
  /** A region object (`GET /v2/regions`): its sizes are those offered there now. */
  region(slug: string): Record<string, unknown>;
  /** A size object (`GET /v2/sizes`) with the regions offering it. */
  size(slug: string): Record<string, unknown>;
  /** An image object (`GET /v2/images/{id}`) with the regions it is available in. */
  image(key: string | number): Record<string, unknown>;
}

const REGION_FEATURES = ['backups', 'ipv6', 'metadata', 'install_agent', 'storage', 'image_transfer'];

export function createDoRenderer(catalog: DoCatalog): DoRenderer {
  return {
    droplet: (d, status) => {
      const size = sizeJson(catalog, d.size);
      return {
        id: d.id,
        name: d.name,
        memory: size.memory ?? 0,
        vcpus: size.vcpus ?? 0,
        disk: size.disk ?? 0,
        locked: d.destroyingSince !== undefined,
        status,
        kernel: null,
        created_at: isoSeconds(d.createdAt),
        features: ['droplet_agent', 'private_networking'],
        backup_ids: [],
        next_backup_window: null,
        snapshot_ids: [],
        image: imageJson(catalog, d.image),
        volume_ids: [],
        size,
        size_slug: d.size,
        networks: status === 'new' ? { v4: [], v6: [] } : { v4: networks(d), v6: [] },
        region: regionJson(catalog, d.region),
        tags: d.tags,
        vpc_uuid: vpcUuid(d.region),
      };
    },
    action: (a, now) => ({
      id: a.id,
      status: now >= a.completedAt ? 'completed' : 'in-progress',
      type: a.type,
      started_at: isoSeconds(a.startedAt),
      completed_at: now >= a.completedAt ? isoSeconds(a.completedAt) : null,
      resource_id: a.dropletId,
      resource_type: 'droplet',
      region: regionJson(catalog, a.region),
      region_slug: a.region,
    }),
    region: (slug) => regionJson(catalog, slug),
    size: (slug) => sizeJson(catalog, slug),
    image: (key) => imageJson(catalog, key),
  };
}

function regionJson(catalog: DoCatalog, slug: string) {
  const r = catalog.region(slug);
  return { name: r?.name ?? slug, slug, features: REGION_FEATURES, available: r?.available ?? false, sizes: catalog.sizesIn(slug).map((s) => s.slug) };
}

function sizeJson(catalog: DoCatalog, slug: string): { slug: string; memory?: number; vcpus?: number; disk?: number; [k: string]: unknown } {
  const s = catalog.size(slug);
  if (!s) return { slug, available: false };
  const { spec } = s;
  return {
    slug,
    memory: spec.memoryMiB,
    vcpus: spec.vcpus,
    disk: spec.diskGB,
    transfer: spec.transferTb,
    price_monthly: spec.priceMonthly,
    // DigitalOcean bills 672 hours a month: $4/mo is $0.00595/h (reference §1.9).
    price_hourly: Math.round((spec.priceMonthly / 672) * 100_000) / 100_000,
    regions: s.regions,
    available: s.regions.length > 0,
    description: 'Basic',
    disk_info: [{ type: 'local', size: { amount: spec.diskGB, unit: 'gib' } }],
  };
}

function imageJson(catalog: DoCatalog, key: string | number) {
  const i = catalog.image(key);
  if (!i) return { id: key };
  return {
    id: i.id,
    name: i.name,
    distribution: i.distribution,
    slug: i.slug,
    public: true,
    regions: catalog.imageRegions(i),
    created_at: '2024-04-25T00:00:00Z',
    type: 'base',
    min_disk_size: 7,
    size_gigabytes: 2.36,
    description: `${i.distribution} ${i.name}`,
    tags: [],
    status: 'available',
    error_message: '',
  };
}

function networks(d: DropletRecord): Record<string, string>[] {
  return [
    { ip_address: d.privateIp, netmask: '255.255.240.0', gateway: '10.110.0.1', type: 'private' },
    { ip_address: d.ip, netmask: '255.255.255.0', gateway: d.ip.replace(/\.\d+$/, '.1'), type: 'public' },
  ];
}

/** The API's timestamps have no fraction: `2020-07-21T18:37:44Z`. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** One default VPC per region, with a stable UUID. */
function vpcUuid(region: string): string {
  const h = createHash('sha256').update(`vpc:${region}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
