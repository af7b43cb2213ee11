/**
 * What Hetzner Cloud offers, as the emulator knows it: its own table, not clusterops' catalogue, so a
 * catalogue entry Hetzner does not sell fails a test (test/integration/sim/catalogue-offer.test.ts).
 *
 * Sources (read 2026-12-03; shared/reference/provider-apis.md §2.9):
 * - locations and network zones: Hetzner's OpenAPI document (`GET /v1/locations`, network-zone table;
 *   mirrored in github.com/api-evangelist/hetzner @21616c62 `openapi/_original/hetzner-openapi.yml`);
 * - server types, specs and where they are sold: hetzner.com's plan pages and Hetzner's website price API
 *   as read 2026-09-03 (github.com/robhunter/agentdeals/pull/1286): the Regular Performance line
 *   (cpx12 … cpx42) in the EU locations and, cpx12 and cpx22 only, in Singapore; the US locations sell
 *   their own line (cpx11, cpx21, cpx31 …; only cpx11 has a known price, so only it is listed). The
 *   Cost-Optimized lines (cx23…, cax11…) were not orderable and are left out. Specs: cpx12 github.com/autobase-tech/autobase/pull/1624, cpx22 the OpenAPI example,
 *   cpx32/cpx42 public Terraform configurations, cpx11/cpx21 github.com/roots/trellis-cli/issues/622.
 * Prices are the server alone, net of VAT, per month (`server_type.prices[]`); a primary IPv4 is billed on
 * its own (€0.50/month, docs.hetzner.com/cloud/servers/primary-ips/overview/).
 */

/** A Hetzner location as `GET /v1/locations` describes it. */
export interface LocationOffer {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  network_zone: string;
}

export interface ServerTypeOffer {
  name: string;
  cores: number;
  memoryGB: number;
  diskGB: number;
  /** location → monthly net price, for every location that sells the type. */
  prices: Readonly<Record<string, number>>;
}

export interface HetznerOffer {
  locations: readonly LocationOffer[];
  serverTypes: readonly ServerTypeOffer[];
}

const EU = ['fsn1', 'nbg1', 'hel1'];
const US = ['ash', 'hil'];
const at = (locations: readonly string[], monthly: number) => Object.fromEntries(locations.map((l) => [l, monthly]));

export const HETZNER_OFFER: HetznerOffer = {
  locations: [
    { id: 1, name: 'fsn1', description: 'Falkenstein DC Park 1', country: 'DE', city: 'Falkenstein', latitude: 50.47612, longitude: 12.370071, network_zone: 'eu-central' },
    { id: 2, name: 'nbg1', description: 'Nuremberg DC Park 1', country: 'DE', city: 'Nuremberg', latitude: 49.452102, longitude: 11.076665, network_zone: 'eu-central' },
    { id: 3, name: 'hel1', description: 'Helsinki DC Park 1', country: 'FI', city: 'Helsinki', latitude: 60.169855, longitude: 24.938379, network_zone: 'eu-central' },
    { id: 4, name: 'ash', description: 'Ashburn, VA', country: 'US', city: 'Ashburn, VA', latitude: 39.045821, longitude: -77.487073, network_zone: 'us-east' },
    { id: 5, name: 'hil', description: 'Hillsboro, OR', country: 'US', city: 'Hillsboro, OR', latitude: 45.54222, longitude: -122.951924, network_zone: 'us-west' },
    { id: 6, name: 'sin', description: 'Singapore', country: 'SG', city: 'Singapore', latitude: 1.283333, longitude: 103.833333, network_zone: 'ap-southeast' },
  ],
  serverTypes: [
    { name: 'cpx12', cores: 1, memoryGB: 2, diskGB: 40, prices: { ...at(EU, 11.99), sin: 15.99 } },
    { name: 'cpx22', cores: 2, memoryGB: 4, diskGB: 80, prices: { ...at(EU, 19.99), sin: 26.99 } },
    { name: 'cpx32', cores: 4, memoryGB: 8, diskGB: 160, prices: at(EU, 35.99) },
    { name: 'cpx42', cores: 8, memoryGB: 16, diskGB: 320, prices: at(EU, 69.99) },
    { name: 'cpx11', cores: 2, memoryGB: 2, diskGB: 40, prices: at(US, 17.99) },
  ],
};
