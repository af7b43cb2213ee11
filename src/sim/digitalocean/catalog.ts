import type { DoAccount } from './account.js';
import { DO_OFFER, type DoOffer, type DoSizeOffer } from './offer.js';

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

/** What a droplet create is checked against: the emulator's own table of DigitalOcean's offer (offer.ts). */
export interface DoCatalog {
  region(slug: string): { name: string; available: boolean } | undefined;
  /** Every region the API lists, those that take no new droplets included. */
  regionSlugs(): string[];
  /** The sizes sold in a region (none in one that takes no new droplets), less what the account withdrew. */
  sizesIn(region: string): DoSizeOffer[];
  /** A size anywhere, with the regions that sell it; undefined when DigitalOcean has no such size. */
  size(slug: string): { spec: DoSizeOffer; regions: string[] } | undefined;
  image(slugOrId: string | number): ImageSpec | undefined;
  /** The regions that can create droplets from this image (every region that takes droplets, but those the account withdrew it from). */
  imageRegions(image: ImageSpec): string[];
  /** The first region that takes new droplets of this size (when a create names no region). */
  anyRegionFor(size: string): string | undefined;
}

/** What the account offers: DigitalOcean's sizes and images (offer.ts), minus what `account` withdrew. */
export function createDoCatalog(offer: DoOffer = DO_OFFER, account?: DoAccount): DoCatalog {
  const available = offer.regions.filter((r) => r.available).map((r) => r.slug);
  const regionsOf = (s: DoSizeOffer) => (s.regions === 'all' ? available : s.regions.filter((r) => available.includes(r)));
  return {
    region: (slug) => {
      const r = offer.regions.find((x) => x.slug === slug);
      return r ? { name: r.name, available: r.available } : undefined;
    },
    regionSlugs: () => offer.regions.map((r) => r.slug),
    sizesIn: (region) => offer.sizes.filter((s) => regionsOf(s).includes(region) && !account?.withdrawnSizes.has(region, s.slug)),
    size: (slug) => {
      const spec = offer.sizes.find((s) => s.slug === slug);
      return spec ? { spec, regions: regionsOf(spec) } : undefined;
    },
    image: (key) => IMAGES.find((i) => i.slug === key || i.id === Number(key)),
    imageRegions: (image) => available.filter((r) => !account?.withdrawnImages.has(image.slug, r)),
    anyRegionFor: (size) => {
      const spec = offer.sizes.find((s) => s.slug === size);
      return spec ? regionsOf(spec)[0] : undefined;
    },
  };
}
