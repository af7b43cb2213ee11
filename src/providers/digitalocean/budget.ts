/** Requests kept back from the hourly budget, for other work on the same token (deletes, a second process). */
export const DEFAULT_RESERVE = 10;

/** The rate-limit headers of one answer; any may be absent (e.g. an error from a gateway). */
export interface RateHeaders {
  remaining?: number;
  /** When the oldest counted request expires (ms since the epoch). */
  resetAtMs?: number;
}

/**
 * What one adapter knows about its token's DigitalOcean rate limit, from the
 * `ratelimit-remaining` / `ratelimit-reset` headers of the last answer and from 429s.
 * Contract: `waitMs(now)` is 0 when a call may go out; otherwise how long to wait. Each call
 * taken lowers the remaining count at once, so parallel calls cannot all spend the last request;
 * the next answer's headers then correct it.
 *
 * DigitalOcean has two limits per token: 5,000 requests an hour (a sliding window: each request
 * counts for one hour; `ratelimit-reset` is when the oldest one expires) and 250 a minute
 * (https://docs.digitalocean.com/reference/api/api-reference/#section/Introduction/Rate-Limit;
 * `ratelimit-limit` in specification/shared/headers.yml of github.com/digitalocean/openapi).
 * A 429 on the per-minute burst limit carries `retry-after` (release note of 24 Aug 2023,
 * https://docs.digitalocean.com/notes/2023/api-rate-limit) and also `ratelimit-remaining: 0`
 * although the hour is far from spent (github.com/digitalocean/openapi/pull/816). So a 429 with
 * `retry-after` is a burst refusal: only its wait counts, its remaining is not the hourly budget
 * (taken as such it would hold every call back until `ratelimit-reset`, up to an hour). A 429
 * without `retry-after` is the hour spent: wait for `ratelimit-reset`. DigitalOcean's own
 * clients do the same (godo, and droplet_kit in github.com/digitalocean/droplet_kit/pull/315).
 */
export class RateBudget {
  private remaining?: number;
  private resetAtMs?: number;
  private blockedUntilMs = 0;

  constructor(private readonly reserve = DEFAULT_RESERVE) {}

  waitMs(now: number): number {
    if (now < this.blockedUntilMs) return this.blockedUntilMs - now;
    const exhausted = this.remaining !== undefined && this.remaining <= this.reserve;
    if (exhausted && this.resetAtMs !== undefined && now < this.resetAtMs) return this.resetAtMs - now;
    return 0;
  }

  /** A call is going out. */
  take(): void {
    if (this.remaining !== undefined) this.remaining -= 1;
  }

  /** An answer came back (a burst refusal's remaining is left out by `budgetHeaders`). */
  update(h: RateHeaders): void {
    if (h.remaining !== undefined) this.remaining = h.remaining;
    if (h.resetAtMs !== undefined) this.resetAtMs = h.resetAtMs;
  }

  /** A 429 said when to come back: no call goes out before then. */
  blockUntil(ms: number): void {
    this.blockedUntilMs = Math.max(this.blockedUntilMs, ms);
  }
}

/** Reads the headers of an axios answer (lower-case names; values are strings). */
export function readRateHeaders(headers: unknown): RateHeaders & { retryAfterMs?: number } {
  const get = (name: string): number | undefined => {
    const raw = (headers as Record<string, unknown> | undefined)?.[name];
    const n = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : NaN;
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const remaining = get('ratelimit-remaining');
  const reset = get('ratelimit-reset');
  const retryAfter = get('retry-after');
  return {
    ...(remaining !== undefined ? { remaining } : {}),
    ...(reset !== undefined ? { resetAtMs: reset * 1000 } : {}),
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}),
  };
}

/** A 429 that says when to retry: the 250-a-minute burst limit, not the hourly budget (see `RateBudget`). */
export function isBurstRefusal(status: number, h: { retryAfterMs?: number }): boolean {
  return status === 429 && h.retryAfterMs !== undefined;
}

/** What an answer says about the hourly budget: everything but a burst refusal's `ratelimit-remaining`. */
export function budgetHeaders(status: number, h: RateHeaders & { retryAfterMs?: number }): RateHeaders {
  if (!isBurstRefusal(status, h)) return h;
  return h.resetAtMs !== undefined ? { resetAtMs: h.resetAtMs } : {};
}
