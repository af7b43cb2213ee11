/**
 * What EC2 offers, as the emulator knows it: its own table, not clusterops' catalogue, so a catalogue
 * entry EC2 does not sell fails a test (test/integration/sim/catalogue-offer.test.ts).
 *
 * Sources (read 2026-12-03; shared/reference/provider-apis.md §3.11):
 * - Regions: the commercial partition of the AWS SDK's own Region table
 *   (`@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js`, @aws-sdk/client-ec2 3.1169.0);
 *   the simulated account has every one of them enabled;
 * - instance types: T3 (https://aws.amazon.com/ec2/instance-types/t3/; specs in the SDK model's
 *   `InstanceType` enum and DescribeInstanceTypes) in every Region; T3a only where the AWS Price List lists it
 *   (github.com/skypilot-org/skypilot-catalog `catalogs/v8/aws/vms.csv` @00148f2, a copy of the price list).
 */

export interface Ec2RegionOffer {
  code: string;
  name: string;
  /** false for a Region the account has not opted in to (answers `OptInRequired`). */
  enabled: boolean;
}

export interface InstanceTypeOffer {
  name: string;
  vcpus: number;
  memoryMiB: number;
  /** The Regions that sell the type; `'all'` for every Region of the table. */
  regions: readonly string[] | 'all';
}

export interface Ec2Offer {
  regions: readonly Ec2RegionOffer[];
  instanceTypes: readonly InstanceTypeOffer[];
}

const REGIONS: Record<string, string> = {
  'af-south-1': 'Africa (Cape Town)',
  'ap-east-1': 'Asia Pacific (Hong Kong)',
  'ap-east-2': 'Asia Pacific (Taipei)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-northeast-3': 'Asia Pacific (Osaka)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-south-2': 'Asia Pacific (Hyderabad)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-southeast-3': 'Asia Pacific (Jakarta)',
  'ap-southeast-4': 'Asia Pacific (Melbourne)',
  'ap-southeast-5': 'Asia Pacific (Malaysia)',
  'ap-southeast-6': 'Asia Pacific (New Zealand)',
  'ap-southeast-7': 'Asia Pacific (Thailand)',
  'ca-central-1': 'Canada (Central)',
  'ca-west-1': 'Canada West (Calgary)',
  'eu-central-1': 'Europe (Frankfurt)',
  'eu-central-2': 'Europe (Zurich)',
  'eu-north-1': 'Europe (Stockholm)',
  'eu-south-1': 'Europe (Milan)',
  'eu-south-2': 'Europe (Spain)',
  'eu-west-1': 'Europe (Ireland)',
  'eu-west-2': 'Europe (London)',
  'eu-west-3': 'Europe (Paris)',
  'il-central-1': 'Israel (Tel Aviv)',
  'me-central-1': 'Middle East (UAE)',
  'me-south-1': 'Middle East (Bahrain)',
  'me-west-1': 'Middle East (Saudi Arabia)',
  'mx-central-1': 'Mexico (Central)',
  'sa-east-1': 'South America (Sao Paulo)',
  'sa-west-1': 'South America (Chile)',
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
};

/** Where the Price List has T3a On-Demand Linux prices. */
const T3A_REGIONS = [
  'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1', 'eu-central-1',
  'eu-south-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
];

const SIZES: readonly [string, number, number][] = [
  ['nano', 2, 512], ['micro', 2, 1024], ['small', 2, 2048], ['medium', 2, 4096], ['large', 2, 8192], ['xlarge', 4, 16384], ['2xlarge', 8, 32768],
];

const family = (name: string, regions: readonly string[] | 'all'): InstanceTypeOffer[] =>
  SIZES.map(([size, vcpus, memoryMiB]) => ({ name: `${name}.${size}`, vcpus, memoryMiB, regions }));

export const EC2_OFFER: Ec2Offer = {
  regions: Object.entries(REGIONS).map(([code, name]) => ({ code, name, enabled: true })),
  instanceTypes: [...family('t3', 'all'), ...family('t3a', T3A_REGIONS)],
};

/** The Region, or undefined when EC2 has no such Region. */
export function ec2Region(code: string, offer: Ec2Offer = EC2_OFFER): Ec2RegionOffer | undefined {
  return offer.regions.find((r) => r.code === code);
}

/** Whether EC2 sells the instance type in the Region: `sold`, `not-here` (another Region sells it) or `unknown`. */
export function instanceTypeIn(type: string, region: string, offer: Ec2Offer = EC2_OFFER): 'sold' | 'not-here' | 'unknown' {
  const t = offer.instanceTypes.find((x) => x.name === type);
  if (!t) return 'unknown';
  return t.regions === 'all' || t.regions.includes(region) ? 'sold' : 'not-here';
}
