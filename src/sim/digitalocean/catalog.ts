import { catalogue as defaultCatalogue, type Catalogue, type SizeSpec } from '../../domain/catalogue/catalogue.js';
import type { DoAccount } from './account.js';

/** An image the emulator knows, as `GET /v2/images` would show it. */
export interface ImageSpec {
  id: number;
  slug: string;
  name: string;
  distribution: string;
}

const IMAGES: readonly ImageSpec[] = [
  { id: 163_000_001, slug: 'ubuntu-24-04-x64', name: '24.04 (LTS) x64', distribution: 'Ubuntu' },
  { id: 163_000_002, slug: 'ubuntu-22-04-x64', name: '22.04 (LTS) x64', distribution: 'Ubuntu' },
  { id: 163_000_003, slug: 'debian-12-x64', name: '12 x64', distribution: 'Debian' },
];

/** Monthly transfer (TB) of the basic sizes, which the catalogue does not carry. */
const TRANSFER_TB: Readonly<Record<string, number>> = {
  's-1vcpu-512mb-10gb': 0.5,
  's-1vcpu-1gb': 1,
  's-1vcpu-2gb': 2,
  's-2vcpu-2gb': 3,
  's-2vcpu-4gb': 4,
  's-4vcpu-8gb': 5,
  's-8vcpu-16gb': 6,
};

/** What a droplet create is checked against: the same catalogue data the manifest rules use. */
export interface DoCatalog {
  region(slug: string): { name: string; available: boolean } | undefined;
  /** Every region the API lists, those that take no new droplets included. */
  regionSlugs(): string[];
  /** The sizes offered in a region (a size is offered if some plan maps to it there). */
  sizesIn(region: string): SizeSpec[];
  /** A size anywhere, with the regions that offer it; undefined when no region does. */
  size(slug: string): { spec: SizeSpec; regions: string[]; transferTb: number } | undefined;
  image(slugOrId: string | number): ImageSpec | undefined;
  /** The regions that can create droplets from this image (every region that takes droplets, but those the account withdrew it from). */
  imageRegions(image: ImageSpec): string[];
  /** The first region that takes new droplets of this size (when a create names no region). */
  anyRegionFor(size: string): string | undefined;
}

/** What the account offers: the catalogue's sizes and images, minus what `account` withdrew. */
export function createDoCatalog(cat: Catalogue = defaultCatalogue, account?: DoAccount): DoCatalog {
  const p = cat.digitalocean;
  const sizesIn = (region: string): SizeSpec[] => {
    const spec = p.regions[region];
    if (!spec) return [];
    const table = p.sizeTables[spec.sizes] ?? {};
    return Object.values(table).filter((s): s is SizeSpec => !!s && (!s.regions || s.regions.includes(region)) && !account?.withdrawnSizes.has(region, s.size));
  };
  const regionsOf = (size: string) => Object.keys(p.regions).filter((r) => sizesIn(r).some((s) => s.size === size));
  return {
    region: (slug) => {
      const r = p.regions[slug];
      return r ? { name: r.name, available: r.available !== false } : undefined;
    },
    regionSlugs: () => Object.keys(p.regions),
    sizesIn,
    size: (slug) => {
      const regions = regionsOf(slug);
      const spec = regions.length > 0 ? sizesIn(regions[0]!).find((s) => s.size === slug) : undefined;
      return spec ? { spec, regions, transferTb: TRANSFER_TB[slug] ?? 1 } : undefined;
    },
    image: (key) => IMAGES.find((i) => i.slug === key || i.id === Number(key)),
    imageRegions: (image) => Object.keys(p.regions).filter((r) => p.regions[r]?.available !== false && !account?.withdrawnImages.has(image.slug, r)),
    anyRegionFor: (size) => regionsOf(size).find((r) => p.regions[r]?.available !== false),
  };
}
