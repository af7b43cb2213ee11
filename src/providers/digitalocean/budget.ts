/** Requests kept back from the hourly budget, for other work on the same token (deletes, a second process). */
export const DEFAULT_RESERVE = 10;

/** The rate-limit headers of one answer; any may be absent (e.g. an error from a gateway). */
export interface RateHeaders {
  remaining?: number;
  /** When the oldest counted request expires (ms since the epoch). */
  resetAtMs?: number;
}

/**
 * What one adapter knows about its token's DigitalOcean rate limit (reference §1.7), from the
 * `ratelimit-remaining` / `ratelimit-reset` headers of the last answer and from 429s.
 * Contract: `waitMs(now)` is 0 when a call may go out; otherwise how long to wait. Each call
 * taken lowers the remaining count at once, so parallel calls cannot all spend the last request;
 * the next answer's headers then correct it.
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

  /** An answer came back. */
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
