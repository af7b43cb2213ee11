import { describe, expect, it } from 'vitest';
import { catalogue, lookupSize } from '../../../../src/domain/catalogue/catalogue.js';
import { PLAN_NAMES, PROVIDERS } from '../../../../src/domain/manifest/types.js';

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
    ['hetzner', 'nbg1', 'small', 'cpx22', 19.99],
    ['aws', 'us-east-1', 'power', 't3.xlarge', 121.47],
  ] as const)('%s %s %s → %s at %d/mo', (provider, region, plan, size, price) => {
    const r = lookupSize(provider, region, plan);
    expect(r.ok && r.size.size).toBe(size);
    expect(r.ok && r.size.monthlyPrice).toBe(price);
  });

  it.each([
    ['digitalocean', 'mars1', 'small', 'unknown-region'],
    ['digitalocean', 'sfo1', 'small', 'region-unavailable'],
    ['digitalocean', 'blr1', 'nano', 'plan-unavailable'],
    ['hetzner', 'hil', 'power', 'plan-unavailable'],
  ] as const)('%s %s %s is refused (%s)', (provider, region, plan, reason) => {
    const r = lookupSize(provider, region, plan);
    expect(r.ok ? 'ok' : r.reason).toBe(reason);
  });
});
