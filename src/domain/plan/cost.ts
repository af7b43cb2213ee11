import { catalogue, lookupSize, type Catalogue, type SizeSpec } from '../catalogue/catalogue.js';
import type { PlanName, Provider } from '../manifest/types.js';
import type { Plan } from './types.js';

/** How many nodes of one plan are (or will be) billed. */
export interface PricedCount {
  plan: PlanName;
  count: number;
}

/** Where prices come from; with no provider known, everything costs 0 USD. */
export interface PriceList {
  provider?: Provider;
  region?: string;
}

/**
 * Monthly list price before and after the plan, with what the prices include (the catalogue's
 * `priceIncludes`) and whether any figure behind them is unverified. Plans the catalogue cannot
 * price count 0.
 */
export function priceChange(
  where: PriceList,
  before: readonly PricedCount[],
  after: readonly PricedCount[],
  cat: Catalogue = catalogue,
): Plan['cost'] {
  const currency = where.provider ? cat[where.provider].currency : 'USD';
  const cost: Plan['cost'] = { currency, monthlyBefore: monthly(where, before, cat), monthlyAfter: monthly(where, after, cat) };
  if (!where.provider) return cost;
  const p = cat[where.provider];
  const priced = pricedSizes(where, [...before, ...after], cat);
  const unverified = priced.some((s) => !s.verified) || (priced.length > 0 && Object.values(p.priceComponents).some((c) => !c.verified));
  return { ...cost, includes: p.priceIncludes, ...(unverified ? { unverified: true } : {}) };
}

function pricedSizes(where: PriceList, counts: readonly PricedCount[], cat: Catalogue): SizeSpec[] {
  const { provider, region } = where;
  if (!provider || region === undefined) return [];
  return counts.flatMap(({ plan, count }) => {
    const found = count > 0 ? lookupSize(provider, region, plan, cat) : undefined;
    return found?.ok ? [found.size] : [];
  });
}

function monthly(where: PriceList, counts: readonly PricedCount[], cat: Catalogue): number {
  const { provider, region } = where;
  if (!provider || region === undefined) return 0;
  const cents = counts.reduce((sum, { plan, count }) => {
    const found = lookupSize(provider, region, plan, cat);
    return found.ok ? sum + Math.round(found.size.monthlyPrice * 100) * count : sum;
  }, 0);
  return cents / 100;
}
