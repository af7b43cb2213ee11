/** One token bucket as EC2 documents it: calls it holds, and how fast it refills. */
export interface BucketSpec {
  capacity: number;
  refillPerSec: number;
}

/**
 * EC2's request-rate buckets per account and Region (AWS, "Request throttling for the Amazon
 * EC2 API"): the adapter keeps to them so that its own calls are never throttled. Actions not
 * listed use the mutating-actions default.
 */
export const EC2_REQUEST_BUCKETS: Record<string, BucketSpec> = {
  RunInstances: { capacity: 5, refillPerSec: 2 },
  DescribeInstances: { capacity: 100, refillPerSec: 20 },
  TerminateInstances: { capacity: 100, refillPerSec: 5 },
  CreateTags: { capacity: 100, refillPerSec: 10 },
};
const DEFAULT_BUCKET: BucketSpec = { capacity: 50, refillPerSec: 5 };

/**
 * Paces calls to EC2's token buckets on this side of the wire: `take(action)` resolves once the
 * action's bucket has a token and spends it. Parallel callers each wait their turn, so a burst
 * of creates goes out just under the documented rate instead of provoking `RequestLimitExceeded`.
 */
export class RequestPacer {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async take(action: string): Promise<void> {
    const documented = EC2_REQUEST_BUCKETS[action] ?? DEFAULT_BUCKET;
    // A margin: one token spare and 10% slower refill, because EC2 counts calls when they
    // arrive, and the first of a burst can arrive later than the ones after it.
    const spec = { capacity: Math.max(1, documented.capacity - 1), refillPerSec: documented.refillPerSec * 0.9 };
    for (;;) {
      const now = this.now();
      const bucket = this.buckets.get(action) ?? { tokens: spec.capacity, at: now };
      bucket.tokens = Math.min(spec.capacity, bucket.tokens + ((now - bucket.at) / 1000) * spec.refillPerSec);
      bucket.at = now;
      this.buckets.set(action, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - bucket.tokens) / spec.refillPerSec) * 1000));
    }
  }
}
