import { describe, expect, it } from 'vitest';
import { catalogue, lookupSize, parseCatalogue, type Catalogue } from '../../../../src/domain/catalogue/catalogue.js';
import { PLAN_NAMES, PROVIDERS } from '../../../../src/domain/manifest/types.js';

const copy = (): Catalogue => structuredClone(catalogue);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

describe('provider catalogue data', () => {
  it.each(PROVIDERS)('%s: every region points at a size table, and every size is complete and priced', (provider) => {
    const p = catalogue[provider];
    for (const [code, region] of Object.entries(p.regions)) {
      expect(p.sizeTables[region.sizes], `${provider}/${code}`).toBeDefined();
    }
    for (const table of Object.values(p.sizeTables)) {
      for (const [plan, size] of Object.entries(table)) {
        expect(PLAN_NAMES).toContain(plan);
        expect(size!.size).toMatch(/\S/);
        expect(size!.monthlyPrice).toBeGreaterThan(0);
        expect(size!.vcpus).toBeGreaterThan(0);
        for (const r of size!.regions ?? []) expect(p.regions[r], `${size!.size} lists ${r}`).toBeDefined();
      }
    }
  });

  it.each(PROVIDERS)('%s: every region, price component and size says where its figures come from and when', (provider) => {
    const p = catalogue[provider];
    const entries = [
      ...Object.entries(p.regions).map(([code, r]) => [`region ${code}`, r] as const),
      ...Object.entries(p.priceComponents).map(([name, c]) => [`component ${name}`, c] as const),
      ...Object.entries(p.sizeTables).flatMap(([t, sizes]) => Object.entries(sizes).map(([plan, s]) => [`${t}.${plan}`, s!] as const)),
    ];
    expect(entries.length).toBeGreaterThan(0);
    for (const [what, e] of entries) {
      expect(e.source, `${provider} ${what}`).toMatch(/\S/);
      expect(e.checked, `${provider} ${what}`).toMatch(DATE);
      expect(typeof e.verified, `${provider} ${what}`).toBe('boolean');
    }
    expect(p.priceIncludes).toMatch(/\S/);
  });

  it.each(PROVIDERS)('%s: a size price is the sum of exactly the provider components', (provider) => {
    const p = catalogue[provider];
    const components = Object.keys(p.priceComponents).sort();
    for (const table of Object.values(p.sizeTables)) {
      for (const s of Object.values(table)) {
        expect(Object.keys(s!.price).sort()).toEqual(components);
        const cents = Object.values(s!.price).reduce((sum, n) => sum + Math.round(n * 100), 0);
        expect(cents).toBe(Math.round(s!.monthlyPrice * 100));
      }
    }
  });

  it.each(PROVIDERS)('%s: every plan is offered in at least one region', (provider) => {
    const regions = Object.keys(catalogue[provider].regions);
    for (const plan of PLAN_NAMES) {
      expect(regions.some((r) => lookupSize(provider, r, plan).ok), `${provider} ${plan}`).toBe(true);
    }
  });

  it('plans grow in memory within each table', () => {
    for (const provider of PROVIDERS) {
      for (const table of Object.values(catalogue[provider].sizeTables)) {
        const mem = PLAN_NAMES.map((p) => table[p]?.memoryMiB).filter((m): m is number => m !== undefined);
        expect([...mem].sort((a, b) => a - b)).toEqual(mem);
      }
    }
  });

  it.each([
    ['digitalocean', 'sfo3', 'medium', 's-4vcpu-8gb', 48],
    ['digitalocean', 'ric1', 'small', 's-2vcpu-2gb', 18],
    ['hetzner', 'nbg1', 'small', 'cpx22', 20.49],
    ['aws', 'us-east-1', 'power', 't3.xlarge', 125.76],
    ['aws', 'us-east-1', 'micro', 't3.micro', 11.88],
    ['aws', 'eu-central-1', 'micro', 't3.micro', 13.05],
    ['aws', 'ap-southeast-2', 'power', 't3.xlarge', 158.47],
  ] as const)('%s %s %s → %s at %d/mo', (provider, region, plan, size, price) => {
    const r = lookupSize(provider, region, plan);
    expect(r.ok && r.size.size).toBe(size);
    expect(r.ok && r.size.monthlyPrice).toBe(price);
  });

  it('AWS is priced per region: instance, public IPv4 and root volume', () => {
    const virginia = lookupSize('aws', 'us-east-1', 'micro');
    const frankfurt = lookupSize('aws', 'eu-central-1', 'micro');
    expect(virginia.ok && virginia.size.price).toEqual({ instance: 7.59, publicIpv4: 3.65, rootVolume: 0.64 });
    expect(frankfurt.ok && frankfurt.size.price.instance).toBe(8.76);
  });

  it('Hetzner prices add the primary IPv4 to the server', () => {
    const r = lookupSize('hetzner', 'fsn1', 'medium');
    expect(r.ok && r.size.price).toEqual({ server: 35.99, primaryIpv4: 0.5 });
  });

  it.each([
    ['digitalocean', 'mars1', 'small', 'unknown-region'],
    ['digitalocean', 'sfo1', 'small', 'region-unavailable'],
    ['digitalocean', 'blr1', 'nano', 'plan-unavailable'],
    ['digitalocean', 'ric1', 'nano', 'plan-unavailable'],
    ['hetzner', 'hil', 'power', 'plan-unavailable'],
  ] as const)('%s %s %s is refused (%s)', (provider, region, plan, reason) => {
    const r = lookupSize(provider, region, plan);
    expect(r.ok ? 'ok' : r.reason).toBe(reason);
  });
});

describe('parseCatalogue', () => {
  it('accepts the shipped data', () => {
    expect(() => parseCatalogue(copy())).not.toThrow();
  });

  it.each<[string, (c: Catalogue) => void, RegExp]>([
    ['a size without its source', (c) => void delete (c.aws.sizeTables['us-east-1']!.micro as unknown as Partial<Record<string, unknown>>).source, /source/],
    ['a size without its check date', (c) => void delete (c.hetzner.sizeTables['eu']!.small as unknown as Partial<Record<string, unknown>>).checked, /checked/],
    ['a check date that is not a date', (c) => void (c.digitalocean.sizeTables['basic']!.micro!.checked = 'last week'), /pattern/],
    ['a region without verified', (c) => void delete (c.digitalocean.regions['ric1'] as unknown as Partial<Record<string, unknown>>).verified, /verified/],
    ['a component without its source', (c) => void delete (c.hetzner.priceComponents['primaryIpv4'] as unknown as Partial<Record<string, unknown>>).source, /source/],
    ['an unknown field', (c) => void ((c.aws.regions['us-east-1'] as unknown as Record<string, unknown>)['price'] = 1), /additional properties/],
    ['a price that is not the sum of its parts', (c) => void (c.aws.sizeTables['us-east-1']!.micro!.monthlyPrice = 7.59), /sum of its price parts/],
    ['a price missing a component', (c) => void delete c.aws.sizeTables['eu-west-1']!.small!.price['publicIpv4'], /price parts/],
    ['a region naming no table', (c) => void (c.hetzner.regions['sin']!.sizes = 'asia'), /missing size table/],
  ])('refuses %s', (_name, spoil, message) => {
    const c = copy();
    spoil(c);
    expect(() => parseCatalogue(c)).toThrow(message);
  });
});
