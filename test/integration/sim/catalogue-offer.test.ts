import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue, lookupSize, type Catalogue } from '../../../src/domain/catalogue/catalogue.js';
import { PLAN_NAMES, PROVIDERS, type PlanName, type Provider } from '../../../src/domain/manifest/types.js';
import { adapterFactories } from '../../../src/providers/registry.js';
import type { ProviderAdapter } from '../../../src/providers/types.js';
import { StalledError } from '../../../src/reconcile/errors.js';
import { startAwsEmulator } from '../../../src/sim/aws/index.js';
import type { EmulatorOptions, RunningEmulator } from '../../../src/sim/common/types.js';
import { startDigitalOceanEmulator } from '../../../src/sim/digitalocean/index.js';
import { startHetznerEmulator } from '../../../src/sim/hetzner/index.js';

/**
 * The catalogue (what clusterops believes each provider sells) against each emulator's own table of
 * what the provider sells (src/sim/<provider>/offer.ts): every entry is created over HTTP through
 * the real adapter and SDK, so a stale or made-up catalogue entry fails here.
 */

const TOKEN = 'catalogue-offer-token-0123456789';
const ACCESS_KEY = 'AKIDCATALOGUEOFFER01';
const SECRET_KEY = 'sim-secret-key-not-real';

interface Entry {
  provider: Provider;
  region: string;
  plan: PlanName;
  size: string;
}

/** Every (region, plan) a manifest may use: regions that take new VMs, plans the catalogue maps there. */
function entriesOf(cat: Catalogue, provider: Provider): Entry[] {
  return Object.entries(cat[provider].regions)
    .filter(([, r]) => r.available !== false)
    .flatMap(([region]) =>
      PLAN_NAMES.flatMap((plan) => {
        const found = lookupSize(provider, region, plan, cat);
        return found.ok ? [{ provider, region, plan, size: found.size.size }] : [];
      }),
    );
}

const starters: Record<Provider, (o: EmulatorOptions) => Promise<RunningEmulator>> = {
  digitalocean: startDigitalOceanEmulator,
  hetzner: startHetznerEmulator,
  aws: startAwsEmulator,
};

function adapterFor(provider: Provider, endpoint: string): ProviderAdapter {
  const options = { ownerId: 'catalogue-offer', endpoint };
  switch (provider) {
    case 'digitalocean':
      return adapterFactories.digitalocean({ token: TOKEN }, options);
    case 'hetzner':
      return adapterFactories.hetzner({ token: TOKEN }, options);
    case 'aws':
      return adapterFactories.aws({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }, options);
  }
}

/**
 * Creates every entry, one fresh emulator per region (so per-account limits never interfere), and
 * returns the entries the emulator refused, with the reason.
 */
async function refusedEntries(entries: readonly Entry[]): Promise<string[]> {
  const refused: string[] = [];
  const byRegion = new Map<string, Entry[]>();
  for (const e of entries) byRegion.set(`${e.provider}/${e.region}`, [...(byRegion.get(`${e.provider}/${e.region}`) ?? []), e]);
  for (const group of byRegion.values()) {
    const { provider } = group[0]!;
    const emulator = await starters[provider]({ credentials: [provider === 'aws' ? ACCESS_KEY : TOKEN] });
    try {
      const adapter = adapterFor(provider, emulator.endpoint);
      for (const [i, e] of group.entries()) {
        const vm = await adapter
          .create({ region: e.region, clusterId: 'cluster_cat', clusterName: 'cat', nodeId: `node_${String(i + 1).padStart(3, '0')}`, role: 'worker', plan: e.plan, size: e.size, requestToken: `cat-${e.region}-${e.plan}` })
          .catch((err: unknown) => err as Error);
        if (vm instanceof Error) refused.push(`${e.provider} ${e.region} ${e.plan} → ${e.size}: ${vm instanceof StalledError ? vm.reason : vm.name}: ${vm.message}`);
        else expect(vm).toMatchObject({ region: e.region, plan: e.plan });
      }
      const sizes = new Set(emulator.vms().map((v) => `${v.region} ${v.size}`));
      for (const e of group) if (!refused.some((r) => r.startsWith(`${e.provider} ${e.region} ${e.plan} `))) expect(sizes).toContain(`${e.region} ${e.size}`);
    } finally {
      await emulator.close();
    }
  }
  return refused;
}

describe('the catalogue against what each provider sells (the emulators\' own tables)', () => {
  it.each(PROVIDERS)('%s: every region × plan of the catalogue is created by the emulator', async (provider) => {
    const entries = entriesOf(catalogue, provider);
    expect(entries.length).toBeGreaterThan(5);
    expect(await refusedEntries(entries)).toEqual([]);
  }, 240_000);

  it.each<[Provider, string, PlanName, string, RegExp]>([
    ['digitalocean', 'nyc3', 'small', 's-3vcpu-3gb', /invalid size/],
    ['digitalocean', 'ric1', 'nano', 's-1vcpu-512mb-10gb', /not available in region ric1/],
    ['hetzner', 'fsn1', 'medium', 'cpx33', /server type 'cpx33' not found/],
    ['hetzner', 'ash', 'small', 'cpx22', /unsupported location for server type/],
    ['aws', 'eu-west-1', 'micro', 't3.micro-ish', /Invalid value 't3.micro-ish' for InstanceType/],
    ['aws', 'me-south-1', 'micro', 't3a.micro', /not supported in your requested Availability Zone/],
  ])('%s: a copy of the catalogue mapping %s %s to %s is refused by the emulator', async (provider, region, plan, size, message) => {
    const cat = structuredClone(catalogue);
    const table = cat[provider].sizeTables[cat[provider].regions[region]!.sizes]!;
    table[plan] = { ...(table[plan] ?? table.small!), size };
    delete table[plan]!.regions;
    const entry = entriesOf(cat, provider).filter((e) => e.region === region && e.plan === plan);
    expect(entry).toEqual([{ provider, region, plan, size }]);
    const refused = await refusedEntries(entry);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(message);
  }, 60_000);

  it('a region the provider does not have is refused by the emulator', async () => {
    const cat = structuredClone(catalogue);
    cat.hetzner.regions['fsn2'] = { ...cat.hetzner.regions['fsn1']!, name: 'Falkenstein 2' };
    const refused = await refusedEntries(entriesOf(cat, 'hetzner').filter((e) => e.region === 'fsn2'));
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r).toMatch(/location 'fsn2' not found/);
  }, 60_000);

  it('no emulator reads the catalogue: each carries its own table', () => {
    const root = join(import.meta.dirname, '../../../src/sim');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const readers = files.filter((f) => /domain\/catalogue/.test(readFileSync(join(root, f), 'utf8')));
    expect(readers).toEqual([]);
  });

  it.each<Entry>([
    { provider: 'digitalocean', region: 'nyc3', plan: 'small', size: 's-2vcpu-4gb' },
    { provider: 'digitalocean', region: 'ric1', plan: 'small', size: 's-1vcpu-2gb' },
    { provider: 'aws', region: 'us-east-1', plan: 'small', size: 't3.medium' },
    { provider: 'aws', region: 'eu-west-2', plan: 'small', size: 't3a.small' },
  ])('$provider sells $size in $region though the catalogue maps no plan to it', async (entry) => {
    expect(await refusedEntries([entry])).toEqual([]);
  }, 60_000);
});
