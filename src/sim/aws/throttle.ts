import type { Clock } from '../common/clock.js';

/** One token bucket: how many calls (or instances) it holds and how fast it refills. */
export interface BucketSpec {
  capacity: number;
  refillPerSec: number;
}

/**
 * EC2's request-rate buckets, per account and Region (reference §3.8, AWS-THR). Mutating
 * actions not listed here would use the 50/5 default; only these are emulated.
 */
export const REQUEST_BUCKETS: Record<string, BucketSpec> = {
  RunInstances: { capacity: 5, refillPerSec: 2 },
  DescribeInstances: { capacity: 100, refillPerSec: 20 },
  /** DescribeInstances with no filter, no id and no MaxResults draws from a smaller bucket. */
  'DescribeInstances:unpaginated': { capacity: 50, refillPerSec: 10 },
  TerminateInstances: { capacity: 100, refillPerSec: 5 },
  CreateTags: { capacity: 100, refillPerSec: 10 },
  // Non-mutating actions share EC2's default Describe* bucket size.
  DescribeRegions: { capacity: 100, refillPerSec: 20 },
  DescribeImages: { capacity: 100, refillPerSec: 20 },
  DescribeInstanceTypeOfferings: { capacity: 100, refillPerSec: 20 },
  DescribeAccountAttributes: { capacity: 100, refillPerSec: 20 },
};

/** Resource buckets count instances, not calls. */
export const RESOURCE_BUCKETS: Record<string, BucketSpec> = {
  RunInstances: { capacity: 1000, refillPerSec: 2 },
  TerminateInstances: { capacity: 1000, refillPerSec: 20 },
};

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets keyed by region and bucket name, refilled lazily from the injected clock. */
export class Throttle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly scale = 1,
  ) {}

  /** Takes `n` tokens if the bucket has them; false means `RequestLimitExceeded`. */
  take(key: string, spec: BucketSpec, n = 1): boolean {
    const capacity = Math.max(1, Math.floor(spec.capacity * this.scale));
    const refill = spec.refillPerSec * this.scale;
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * refill);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < n) return false;
    bucket.tokens -= n;
    return true;
  }
}
