import { TransientError } from '../../reconcile/errors.js';

const HOUR_MS = 3_600_000;

/**
 * What this client knows of its Hetzner request budget, from the last `RateLimit-*` headers
 * (a bucket of `RateLimit-Limit` requests refilled evenly over an hour, full again at
 * `RateLimit-Reset`). Calls are counted as they leave, so parallel calls see each other.
 */
export class RateBudget {
  private limit?: number;
  private remaining = 0;
  private at = 0;
  private resetMs = 0;
  private blockedUntilMs = 0;

  constructor(private readonly now: () => number) {}

  /** Spends one request, or throws `TransientError('RateLimited')` when only the reserve is left or a 429 said to wait. */
  spend(operation: string): void {
    const blocked = this.blockedUntilMs - this.now();
    if (blocked > 0) throw new TransientError('RateLimited', `Hetzner asked to wait after a 429; ${operation} held back`, { retryAfterMs: blocked });
    const estimate = this.estimate();
    if (estimate === undefined) return;
    const reserve = Math.min(10, Math.floor(this.limit! / 100));
    if (estimate < reserve + 1) {
      throw new TransientError('RateLimited', `Hetzner request budget is down to its reserve; ${operation} held back`, {
        retryAfterMs: this.waitFor(reserve + 1 - estimate),
      });
    }
    [this.remaining, this.at] = [estimate - 1, this.now()];
  }

  /** Takes in the headers of a response (any status). */
  update(headers: Headers): void {
    const limit = Number(headers.get('ratelimit-limit'));
    const remaining = Number(headers.get('ratelimit-remaining'));
    const reset = Number(headers.get('ratelimit-reset'));
    if (!headers.has('ratelimit-limit') || !(limit > 0) || !Number.isFinite(remaining)) return;
    [this.limit, this.remaining, this.at] = [limit, remaining, this.now()];
    this.resetMs = Number.isFinite(reset) ? reset * 1000 : 0;
  }

  /** How long until one request is available again: the wait a 429 asks for. */
  retryAfterMs(): number {
    return this.waitFor(1);
  }

  /**
   * A 429 came back. With `Retry-After`, no call of this client (every cluster on this token)
   * leaves before it has passed; without, the `RateLimit-*` headers already taken in hold calls
   * back while the bucket is empty. Returns the wait.
   */
  blockAfter429(headers: Headers): number {
    const retryAfterS = Number(headers.get('retry-after') ?? NaN);
    if (!(Number.isFinite(retryAfterS) && retryAfterS > 0)) return this.retryAfterMs();
    this.blockedUntilMs = Math.max(this.blockedUntilMs, this.now() + retryAfterS * 1000);
    return retryAfterS * 1000;
  }

  private estimate(): number | undefined {
    if (this.limit === undefined) return undefined;
    return Math.min(this.limit, this.remaining + ((this.now() - this.at) * this.limit) / HOUR_MS);
  }

  private waitFor(requests: number): number {
    const limit = this.limit ?? 3600;
    const refill = Math.ceil((requests * HOUR_MS) / limit);
    const untilFull = this.resetMs - this.now();
    return Math.max(1, untilFull > 0 ? Math.min(refill, untilFull) : refill);
  }
}
