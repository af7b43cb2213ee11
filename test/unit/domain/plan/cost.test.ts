import { describe, expect, it } from 'vitest';
import { catalogue, type Catalogue } from '../../../../src/domain/catalogue/catalogue.js';
import { priceChange } from '../../../../src/domain/plan/cost.js';

/** The shipped catalogue with every figure marked verified. */
function allVerified(): Catalogue {
  const c = structuredClone(catalogue);
  for (const p of Object.values(c)) {
    for (const comp of Object.values(p.priceComponents)) comp.verified = true;
    for (const table of Object.values(p.sizeTables)) for (const s of Object.values(table)) s!.verified = true;
  }
  return c;
}

describe('priceChange', () => {
  it('says what the prices include and cautions when a figure behind them is unverified', () => {
    const cost = priceChange({ provider: 'aws', region: 'eu-west-1' }, [], [{ plan: 'small', count: 2 }]);
    // t3.small in Ireland: $0.0228/h × 730 = $16.64, + $3.65 IPv4 + $0.64 root volume, twice.
    expect(cost).toEqual({ currency: 'USD', monthlyBefore: 0, monthlyAfter: 41.86, includes: catalogue.aws.priceIncludes, unverified: true });
  });

  it('gives no caution when every figure priced was verified', () => {
    const cost = priceChange({ provider: 'hetzner', region: 'nbg1' }, [{ plan: 'small', count: 1 }], [], allVerified());
    expect(cost).toEqual({ currency: 'EUR', monthlyBefore: 20.49, monthlyAfter: 0, includes: catalogue.hetzner.priceIncludes });
  });

  it('an unverified size makes the whole change unverified', () => {
    const c = allVerified();
    c.digitalocean.sizeTables['basic']!.power!.verified = false;
    const counts = [{ plan: 'small' as const, count: 1 }, { plan: 'power' as const, count: 1 }];
    expect(priceChange({ provider: 'digitalocean', region: 'nyc3' }, [], counts, c).unverified).toBe(true);
    expect(priceChange({ provider: 'digitalocean', region: 'nyc3' }, [], counts.slice(0, 1), c).unverified).toBeUndefined();
  });

  it('without a provider there is nothing to describe', () => {
    expect(priceChange({}, [{ plan: 'small', count: 1 }], [])).toEqual({ currency: 'USD', monthlyBefore: 0, monthlyAfter: 0 });
  });
});
