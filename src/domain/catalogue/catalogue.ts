import data from './providers.json' with { type: 'json' };
import type { PlanName, Provider } from '../manifest/types.js';

/** A provider VM size that a plan maps to, with its list price. */
export interface SizeSpec {
  /** The provider's own size name: DO size slug, Hetzner server type, EC2 instance type. */
  size: string;
  vcpus: number;
  memoryMiB: number;
  diskGB: number;
  monthlyPrice: number;
  /** When present, the only regions of the provider that offer this size. */
  regions?: string[];
}

export interface RegionSpec {
  name: string;
  /** Which size table applies in this region (Hetzner sells different lines in EU, US, SIN). */
  sizes: string;
  /** `false` for regions that exist but take no new VMs. */
  available?: boolean;
}

export interface ProviderCatalogue {
  currency: 'USD' | 'EUR';
  source: string;
  regions: Record<string, RegionSpec>;
  sizeTables: Record<string, Partial<Record<PlanName, SizeSpec>>>;
}

/**
 * The provider catalogue: regions and plan → size mappings with prices, per provider.
 * Data, not code: edit `providers.json` when a provider changes its offer.
 */
export type Catalogue = Record<Provider, ProviderCatalogue>;

export const catalogue: Catalogue = data as Catalogue;

export type SizeLookup =
  | { ok: true; size: SizeSpec; currency: ProviderCatalogue['currency'] }
  | { ok: false; reason: 'unknown-region' | 'region-unavailable' | 'plan-unavailable'; message: string };

/** The regions a provider accepts new VMs in, for messages. */
export function availableRegions(provider: Provider, cat: Catalogue = catalogue): string[] {
  return Object.entries(cat[provider].regions)
    .filter(([, r]) => r.available !== false)
    .map(([code]) => code);
}

/** Checks a region code for a provider. */
export function checkRegion(provider: Provider, region: string, cat: Catalogue = catalogue): SizeLookup | null {
  const spec = cat[provider].regions[region];
  if (!spec) {
    return {
      ok: false,
      reason: 'unknown-region',
      message: `region "${region}" is not a ${provider} region (one of: ${availableRegions(provider, cat).join(', ')})`,
    };
  }
  if (spec.available === false) {
    return {
      ok: false,
      reason: 'region-unavailable',
      message: `region "${region}" (${spec.name}) no longer accepts new VMs on ${provider}`,
    };
  }
  return null;
}

/** Maps a plan to the provider size in a region, or says why it cannot. */
export function lookupSize(provider: Provider, region: string, plan: PlanName, cat: Catalogue = catalogue): SizeLookup {
  const regionProblem = checkRegion(provider, region, cat);
  if (regionProblem) return regionProblem;
  const p = cat[provider];
  const table = p.sizeTables[p.regions[region]!.sizes] ?? {};
  const size = table[plan];
  if (!size || (size.regions && !size.regions.includes(region))) {
    const offered = Object.keys(table).filter((k) => {
      const s = table[k as PlanName];
      return s && (!s.regions || s.regions.includes(region));
    });
    return {
      ok: false,
      reason: 'plan-unavailable',
      message: `plan "${plan}" is not offered by ${provider} in ${region} (offered there: ${offered.join(', ') || 'none'})`,
    };
  }
  return { ok: true, size, currency: p.currency };
}
