import type { Clock } from '../common/clock.js';

/** Hetzner's documented bucket: 3600 requests, refilled at 1 per second (provider-apis.md §2.7). */
const DOCUMENTED_CAPACITY = 3600;
const SECONDS_PER_HOUR = 3600;

/** The outcome of one request against a bucket, with the headers every response carries. */
export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One token bucket per key (API token). `scale` multiplies capacity and refill alike, so the
 * hourly limit stays `RateLimit-Limit` and a full refill always takes an hour. Buckets are
 * refilled lazily from the injected clock; nothing runs in the background.
 */
export class RateLimiter {
  readonly capacity: number;
  private readonly perMs: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    scale = 1,
  ) {
    this.capacity = Math.max(1, Math.round(DOCUMENTED_CAPACITY * scale));
    this.perMs = this.capacity / (SECONDS_PER_HOUR * 1000);
  }

  /** Takes one request from the key's bucket, if there is one left. */
  take(key: string): RateDecision {
    const bucket = this.refill(key);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return { allowed, headers: this.headers(bucket) };
  }

  /** The headers for a key without spending anything. */
  peek(key: string): Record<string, string> {
    return this.headers(this.refill(key));
  }

  private refill(key: string): Bucket {
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  private headers(bucket: Bucket): Record<string, string> {
    const fullAt = bucket.at + (this.capacity - bucket.tokens) / this.perMs;
    return {
      'RateLimit-Limit': String(this.capacity),
      'RateLimit-Remaining': String(Math.floor(bucket.tokens)),
      'RateLimit-Reset': String(Math.ceil(fullAt / 1000)),
    };
  }
}
