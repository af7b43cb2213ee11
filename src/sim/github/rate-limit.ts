import type { Clock } from '../common/clock.js';

const HOUR_MS = 3600 * 1000;

/**
 * GitHub's core rate limit: a fixed hourly window per token (5000 for a user token), counted
 * by the injected clock. `spend` is skipped for 304s and `GET /rate_limit`, as GitHub does.
 */
export class RateWindow {
  used = 0;
  private resetAt: number;

  constructor(
    private readonly clock: Clock,
    readonly limit: number,
  ) {
    this.resetAt = clock.now() + HOUR_MS;
  }

  get remaining(): number {
    this.roll();
    return Math.max(0, this.limit - this.used);
  }

  spend(): void {
    this.roll();
    this.used += 1;
  }

  /** Seconds since the epoch when the window resets. */
  get reset(): number {
    this.roll();
    return Math.ceil(this.resetAt / 1000);
  }

  headers(): Record<string, string> {
    return {
      'x-ratelimit-limit': String(this.limit),
      'x-ratelimit-remaining': String(this.remaining),
      'x-ratelimit-reset': String(this.reset),
      'x-ratelimit-used': String(this.used),
      'x-ratelimit-resource': 'core',
    };
  }

  /** The `{limit, used, remaining, reset}` object of `GET /rate_limit`. */
  view(): Record<string, number> {
    return { limit: this.limit, used: this.used, remaining: this.remaining, reset: this.reset };
  }

  private roll(): void {
    if (this.clock.now() < this.resetAt) return;
    this.used = 0;
    this.resetAt = this.clock.now() + HOUR_MS;
  }
}
