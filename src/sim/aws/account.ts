import { EC2_OFFER } from './offer.js';
import { PairSet } from '../common/pair-set.js';
import { ACCOUNT_ID } from './render.js';

/** A machine image as `DescribeImages` shows it; AMIs are regional, so it lists where it exists. */
export interface Ec2Image {
  id: string;
  name: string;
  ownerId: string;
  architecture: 'x86_64' | 'arm64';
  regions: Set<string>;
}

/** Canonical's AWS account, the owner of the Ubuntu images. */
export const CANONICAL_OWNER_ID = '099720109477';

/** The AMIs clusterops, the seeds and the tests launch (reference §3.11 names no real ids). */
const KNOWN_IMAGES: readonly [string, string, string][] = [
  ['ami-0c0ffee0c0ffee000', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-simulated', CANONICAL_OWNER_ID],
  ['ami-0abcdef1234567890', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-seed', CANONICAL_OWNER_ID],
  ['ami-0123456789abcdef0', 'ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-simulated', CANONICAL_OWNER_ID],
];

/**
 * The simulated AWS account: what IAM lets the caller do, the images in each Region, the
 * instance types a Region does not offer now, and the Regions not opted into. Plain fields:
 * tests change them directly to stage a real account's problems.
 */
export class Ec2Account {
  readonly accountId = ACCOUNT_ID;
  /** Actions IAM denies the caller (`RunInstances`, `DescribeInstances` …): `UnauthorizedOperation`, also with DryRun. */
  readonly deniedActions = new Set<string>();
  /** Opt-in Regions this account has not enabled: calls there answer `OptInRequired`. */
  readonly notOptedIn = new Set<string>();
  /** Images by id; each exists in every Region EC2 has (offer.ts) unless withdrawn. */
  readonly images = new Map<string, Ec2Image>(
    KNOWN_IMAGES.map(([id, name, ownerId]) => [id, { id, name, ownerId, architecture: 'x86_64', regions: new Set(EC2_OFFER.regions.map((r) => r.code)) }]),
  );
  /** (Region, instance type) pairs not offered now, although EC2 sells the type there. */
  readonly withdrawnTypes = new PairSet();

  /** The image with this id as the API of `region` sees it. */
  image(region: string, id: string): Ec2Image | undefined {
    const image = this.images.get(id);
    return image?.regions.has(region) ? image : undefined;
  }
}
