import { Ajv } from 'ajv';
import schema from '../../../schemas/catalogue.schema.json' with { type: 'json' };
import type { PlanName, Provider } from '../manifest/types.js';
import data from './providers.json' with { type: 'json' };

/**
 * Where a figure of the catalogue comes from. `verified` is true only when `source` is the
 * provider's own (its docs, API, SDK or price list); third-party copies and estimates are false.
 */
export interface Provenance {
  source: string;
  /** The day the source was read, `YYYY-MM-DD`. */
  checked: string;
  verified: boolean;
  note?: string;
}

/**
 * A provider VM size that a plan maps to, with its monthly price. `verified` covers the size's
 * own figures (specs and VM price); each price component has its own provenance.
 */
export interface SizeSpec extends Provenance {
  /** The provider's own size name: DO size slug, Hetzner server type, EC2 instance type. */
  size: string;
  vcpus: number;
  memoryMiB: number;
  diskGB: number;
  /** The provider's hourly price of the VM alone, where the source gives one. */
  hourlyPrice?: number;
  /** What a node of this plan costs a month: the sum of `price`. */
  monthlyPrice: number;
  /** Monthly amount per price component of the provider (`priceComponents`). */
  price: Record<string, number>;
  /** When present, the only regions of the provider that offer this size. */
  regions?: string[];
}

export interface RegionSpec extends Provenance {
  name: string;
  /** Which size table applies in this region (Hetzner sells different lines in EU, US, SIN; AWS prices per region). */
  sizes: string;
  /** `false` for regions that exist but take no new VMs. */
  available?: boolean;
}

/** One part of every price of a provider (the VM, its IPv4, its root volume). */
export interface PriceComponent extends Provenance {
  description: string;
}

export interface ProviderCatalogue {
  currency: 'USD' | 'EUR';
  /** What a plan's monthly price covers, in one phrase. */
  priceIncludes: string;
  priceComponents: Record<string, PriceComponent>;
  regions: Record<string, RegionSpec>;
  sizeTables: Record<string, Partial<Record<PlanName, SizeSpec>>>;
}

/**
 * The provider catalogue: regions and plan → size mappings with prices, per provider.
 * Data, not code: edit `providers.json` when a provider changes its offer; `schemas/catalogue.schema.json`
 * and `parseCatalogue` keep it strict.
 */
export type Catalogue = Record<Provider, ProviderCatalogue>;

const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

/**
 * Checks catalogue data against its schema and the rules a schema cannot say: every region's
 * table exists, every size's `price` has exactly its provider's components and sums to
 * `monthlyPrice`, and size `regions` name regions of the provider. Throws with every problem.
 */
export function parseCatalogue(value: unknown): Catalogue {
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    throw new Error(`invalid provider catalogue: ${problems.join('; ')}`);
  }
  const cat = value as Catalogue;
  const problems = Object.entries(cat).flatMap(([provider, p]) => consistencyProblems(provider, p));
  if (problems.length > 0) throw new Error(`invalid provider catalogue: ${problems.join('; ')}`);
  return cat;
}

function consistencyProblems(provider: string, p: ProviderCatalogue): string[] {
  const out: string[] = [];
  for (const [code, region] of Object.entries(p.regions)) {
    if (!p.sizeTables[region.sizes]) out.push(`${provider} region ${code} names a missing size table "${region.sizes}"`);
  }
  const components = Object.keys(p.priceComponents).sort().join(',');
  for (const [table, sizes] of Object.entries(p.sizeTables)) {
    for (const [plan, s] of Object.entries(sizes)) {
      const where = `${provider} ${table}.${plan}`;
      if (Object.keys(s!.price).sort().join(',') !== components) out.push(`${where} price parts are not exactly ${components}`);
      const cents = Object.values(s!.price).reduce((sum, n) => sum + Math.round(n * 100), 0);
      if (cents !== Math.round(s!.monthlyPrice * 100)) out.push(`${where} monthlyPrice ${s!.monthlyPrice} is not the sum of its price parts`);
      for (const r of s!.regions ?? []) if (!p.regions[r]) out.push(`${where} lists unknown region ${r}`);
    }
  }
  return out;
}

export const catalogue: Catalogue = parseCatalogue(data);

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
