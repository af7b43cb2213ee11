/**
 * Errors are sorted at the adapter boundary (STYLE.md "Errors at the edges"), so the
 * controller decides retries from the class alone — never from `err.message`.
 * Messages never carry secrets: adapters build them from status codes and provider error
 * codes, not from request objects.
 */

interface ClassifiedErrorOptions {
  cause?: unknown;
}

abstract class ClassifiedError extends Error {
  /** PascalCase machine reason, e.g. `RateLimited`, `Unauthorized`. */
  readonly reason: string;

  constructor(reason: string, message: string, options: ClassifiedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}

/** Retry with backoff: rate limits, 5xx, timeouts, dropped connections. */
export class TransientError extends ClassifiedError {
  override readonly name = 'TransientError';
  /** The provider's own hint (retry-after / reset), when it gave one. */
  readonly retryAfterMs?: number;
  /**
   * Set by the reconciler when the failing pass still got something done (a VM created or
   * deleted, a node joined or drained): the controller then retries from the shortest backoff,
   * so a convergence that keeps moving through sporadic faults is not slowed to the 60 s cap.
   */
  progressed = false;

  constructor(reason: string, message: string, options: ClassifiedErrorOptions & { retryAfterMs?: number } = {}) {
    super(reason, message, options);
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** Not an error in the world, just not ready yet (a VM still booting): requeue after a delay. */
export class WaitingError extends ClassifiedError {
  override readonly name = 'WaitingError';
  readonly requeueAfterMs: number;

  constructor(reason: string, message: string, requeueAfterMs: number, options: ClassifiedErrorOptions = {}) {
    super(reason, message, options);
    this.requeueAfterMs = requeueAfterMs;
  }
}

/** Will not fix itself (bad credentials, quota, a name owned by someone else): no retry until the manifest changes. */
export class StalledError extends ClassifiedError {
  override readonly name = 'StalledError';
}

