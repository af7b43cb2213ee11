/**
 * What DigitalOcean offers, as the emulator knows it: its own table, not clusterops' catalogue,
 * so a catalogue entry DigitalOcean does not sell fails a test (test/integration/sim/catalogue-offer.test.ts).
 *
 * Sources (read 2026-12-03; shared/reference/provider-apis.md §1.9):
 * - regions: the region enum of DigitalOcean's OpenAPI spec, `specification/shared/attributes/region_slug.yml`
 *   (github.com/digitalocean/openapi @3590c05), plus `ric1`, which the same spec lists for managed databases
 *   (`resources/databases/responses/options.yml` @7c1300c) and which takes Basic droplets ("Basic Droplets are
 *   available in all regions", docs.digitalocean.com/products/droplets/); `ams1`, `ams2` and `sfo1` answer
 *   `available: false` in public `GET /v2/regions` captures;
 * - sizes: the Basic (regular) droplet sizes of `GET /v2/sizes` (size model `resources/sizes/models/size.yml`;
 *   prices of public captures, e.g. github.com/dstackai/gpuhunt `src/tests/providers/test_digitalocean.py`
 *   for `s-1vcpu-512mb-10gb` and its eight regions). Every other Basic size is sold in every available region.
 */

export interface DoRegionOffer {
  slug: string;
  name: string;
  /** Whether the region takes new droplets. */
  available: boolean;
}

export interface DoSizeOffer {
  slug: string;
  vcpus: number;
  memoryMiB: number;
  diskGB: number;
  transferTb: number;
  priceMonthly: number;
  /** The regions that sell the size; `'all'` for every available region. */
  regions: readonly string[] | 'all';
}

export interface DoOffer {
  regions: readonly DoRegionOffer[];
  sizes: readonly DoSizeOffer[];
}

const region = (slug: string, name: string, available = true): DoRegionOffer => ({ slug, name, available });

export const DO_OFFER: DoOffer = {
  regions: [
    region('ams1', 'Amsterdam 1', false),
    region('ams2', 'Amsterdam 2', false),
    region('ams3', 'Amsterdam 3'),
    region('atl1', 'Atlanta 1'),
    region('blr1', 'Bangalore 1'),
    region('fra1', 'Frankfurt 1'),
    region('lon1', 'London 1'),
    region('nyc1', 'New York 1'),
    region('nyc2', 'New York 2'),
    region('nyc3', 'New York 3'),
    region('ric1', 'Richmond 1'),
    region('sfo1', 'San Francisco 1', false),
    region('sfo2', 'San Francisco 2'),
    region('sfo3', 'San Francisco 3'),
    region('sgp1', 'Singapore 1'),
    region('syd1', 'Sydney 1'),
    region('tor1', 'Toronto 1'),
  ],
  sizes: [
    { slug: 's-1vcpu-512mb-10gb', vcpus: 1, memoryMiB: 512, diskGB: 10, transferTb: 0.5, priceMonthly: 4, regions: ['ams3', 'fra1', 'nyc1', 'nyc2', 'sfo2', 'sfo3', 'sgp1', 'syd1'] },
    { slug: 's-1vcpu-1gb', vcpus: 1, memoryMiB: 1024, diskGB: 25, transferTb: 1, priceMonthly: 6, regions: 'all' },
    { slug: 's-1vcpu-2gb', vcpus: 1, memoryMiB: 2048, diskGB: 50, transferTb: 2, priceMonthly: 12, regions: 'all' },
    { slug: 's-2vcpu-2gb', vcpus: 2, memoryMiB: 2048, diskGB: 60, transferTb: 3, priceMonthly: 18, regions: 'all' },
    { slug: 's-2vcpu-4gb', vcpus: 2, memoryMiB: 4096, diskGB: 80, transferTb: 4, priceMonthly: 24, regions: 'all' },
    { slug: 's-4vcpu-8gb', vcpus: 4, memoryMiB: 8192, diskGB: 160, transferTb: 5, priceMonthly: 48, regions: 'all' },
    { slug: 's-8vcpu-16gb', vcpus: 8, memoryMiB: 16384, diskGB: 320, transferTb: 6, priceMonthly: 96, regions: 'all' },
  ],
};
