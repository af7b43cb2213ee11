import { createHash } from 'node:crypto';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** DigitalOcean's documented limits per token (reference §1.7). */
export const DO_HOURLY_LIMIT = 5000;
export const DO_BURST_LIMIT = 250;
/** "Only 10 `GET` requests to the `/v2/account/keys` endpoint to list SSH keys can be made per 60 seconds" (DO-OAS description.yml). */
export const DO_KEY_LIST_LIMIT = 10;

/** The verdict on one request: headers to send, and whether it is refused. */
export interface RateDecision {
  headers: Record<string, string>;
  /** Set when the request is refused with 429; `burst` means the 250/min limit (answer carries retry-after). */
  refused?: 'hourly' | 'burst';
}

/** Per-token counters, for `/__sim/state` (tokens are fingerprinted, never shown). */
export interface RateLimitView {
  token: string;
  limit: number;
  burstLimit: number;
  usedLastHour: number;
  usedLastMinute: number;
  rejected: number;
  /** Key listings (`GET /v2/account/keys`) in the last minute, and those refused by their own limit. */
  keyListingsLastMinute: number;
  keyListingsRejected: number;
}

interface TokenLog {
  /** Times of the counted requests of the last hour, oldest first. */
  times: number[];
  rejected: number;
  /** Times of the key listings of the last minute, oldest first, and how many were refused. */
  keyListings: number[];
  keyListingsRejected: number;
}

/**
 * DigitalOcean's rate limit model: a one-hour sliding log per token (each request counts for
 * exactly one hour; `ratelimit-reset` is when the oldest counted request expires) plus a
 * one-minute burst limit whose 429 carries `retry-after` and `ratelimit-remaining: 0`. Refused
 * requests are not counted.
 */
export class SlidingWindowLimiter {
  readonly limit: number;
  readonly burstLimit: number;
  readonly keyListLimit: number;
  private readonly logs = new Map<string, TokenLog>();

  constructor(scale = 1) {
    this.limit = Math.max(1, Math.floor(DO_HOURLY_LIMIT * scale));
    this.burstLimit = Math.max(1, Math.floor(DO_BURST_LIMIT * scale));
    this.keyListLimit = Math.max(1, Math.floor(DO_KEY_LIST_LIMIT * scale));
  }

  /** Counts a request of `token` at `now`, or refuses it. */
  admit(token: string, now: number): RateDecision {
    const log = this.logFor(token, now);
    if (log.times.length >= this.limit) {
      log.rejected += 1;
      return { refused: 'hourly', headers: this.headers(log, now) };
    }
    const inLastMinute = countSince(log.times, now - MINUTE_MS);
    if (inLastMinute >= this.burstLimit) {
      log.rejected += 1;
      const oldestInMinute = log.times[log.times.length - inLastMinute]!;
      const retryAfter = Math.max(1, Math.ceil((oldestInMinute + MINUTE_MS - now) / 1000));
      // As DigitalOcean does: remaining 0 although the hour is not spent (github.com/digitalocean/openapi/pull/816).
      return { refused: 'burst', headers: { ...this.headers(log, now), 'ratelimit-remaining': '0', 'retry-after': String(retryAfter) } };
    }
    log.times.push(now);
    return { headers: this.headers(log, now) };
  }

  /**
   * The key listing's own limit, after `admit` let the request in: a 429 with `retry-after` once
   * 10 listings fell in the last minute (the hourly count is spent either way).
   */
  admitKeyListing(token: string, now: number): RateDecision {
    const log = this.logFor(token, now);
    const recent = countSince(log.keyListings, now - MINUTE_MS);
    log.keyListings.splice(0, log.keyListings.length - recent);
    if (recent >= this.keyListLimit) {
      log.keyListingsRejected += 1;
      const retryAfter = Math.max(1, Math.ceil((log.keyListings[0]! + MINUTE_MS - now) / 1000));
      return { refused: 'burst', headers: { ...this.headers(log, now), 'retry-after': String(retryAfter) } };
    }
    log.keyListings.push(now);
    return { headers: this.headers(log, now) };
  }

  views(now: number): RateLimitView[] {
    return [...this.logs.entries()].map(([token, log]) => {
      prune(log, now);
      return {
        token: fingerprint(token),
        limit: this.limit,
        burstLimit: this.burstLimit,
        usedLastHour: log.times.length,
        usedLastMinute: countSince(log.times, now - MINUTE_MS),
        rejected: log.rejected,
        keyListingsLastMinute: countSince(log.keyListings, now - MINUTE_MS),
        keyListingsRejected: log.keyListingsRejected,
      };
    });
  }

  private logFor(token: string, now: number): TokenLog {
    let log = this.logs.get(token);
    if (!log) {
      log = { times: [], rejected: 0, keyListings: [], keyListingsRejected: 0 };
      this.logs.set(token, log);
    }
    prune(log, now);
    return log;
  }

  private headers(log: TokenLog, now: number): Record<string, string> {
    const oldest = log.times[0] ?? now;
    return {
      'ratelimit-limit': String(this.limit),
      'ratelimit-remaining': String(Math.max(0, this.limit - log.times.length)),
      'ratelimit-reset': String(Math.ceil((oldest + HOUR_MS) / 1000)),
    };
  }
}

function prune(log: TokenLog, now: number): void {
  const firstLive = log.times.findIndex((t) => t > now - HOUR_MS);
  log.times.splice(0, firstLive === -1 ? log.times.length : firstLive);
}

/** How many of the sorted times are after `since`. */
function countSince(times: readonly number[], since: number): number {
  let n = 0;
  for (let i = times.length - 1; i >= 0 && times[i]! > since; i--) n += 1;
  return n;
}

function fingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}
