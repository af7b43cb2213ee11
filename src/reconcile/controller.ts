import { StalledError, TransientError, WaitingError } from './errors.js';

/** What one pass of the reconciler reports back. */
export interface PassResult {
  requeueAfterMs?: number;
}

export interface ControllerOptions {
  reconcile: (key: string) => Promise<PassResult>;
  /** Passes running at once, across clusters (one per cluster at a time, always). */
  concurrency?: number;
  backoff?: { baseMs: number; maxMs: number };
  /**
   * A fingerprint of the key's desired state (manifest hash). A key that stalled is not run
   * again until its fingerprint changes.
   */
  fingerprint?: (key: string) => string;
  onError?: (key: string, err: unknown) => void;
  random?: () => number;
}

/**
 * The work queue (controller-runtime style): requests are only keys; a key is never processed
 * by two passes at once; a key enqueued while running runs again right after; transient errors
 * back off exponentially with jitter, waiting states requeue, stalled keys wait for a change.
 */
export interface Controller {
  /** `retryStalled`: run a stalled key anyway (the periodic resync: a stalled cluster is looked at again every interval, as Flux does). */
  enqueue(key: string, options?: { retryStalled?: boolean }): void;
  enqueueAfter(key: string, ms: number): void;
  /** Resolves when nothing is queued or running (scheduled requeues may still be pending). */
  idle(): Promise<void>;
  /** Stops taking work; resolves once running passes finish. */
  stop(): Promise<void>;
  readonly depth: number;
}

export function createController(options: ControllerOptions): Controller {
  const concurrency = options.concurrency ?? 4;
  const backoff = options.backoff ?? { baseMs: 500, maxMs: 60_000 };
  const random = options.random ?? Math.random;
  const queue: string[] = [];
  const queued = new Set<string>();
  const running = new Set<string>();
  const dirty = new Set<string>();
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  const failures = new Map<string, number>();
  const stalledAt = new Map<string, string>();
  let stopped = false;
  let waiters: (() => void)[] = [];

  const isIdle = () => queue.length === 0 && running.size === 0;
  const notify = () => {
    if (!isIdle()) return;
    const w = waiters;
    waiters = [];
    w.forEach((fn) => fn());
  };

  const enqueue = (key: string, opts: { retryStalled?: boolean } = {}) => {
    if (stopped) return;
    const fp = options.fingerprint?.(key);
    if (fp !== undefined && stalledAt.get(key) === fp && !opts.retryStalled) return;
    stalledAt.delete(key);
    if (running.has(key)) {
      dirty.add(key);
      return;
    }
    if (queued.has(key)) return;
    queued.add(key);
    queue.push(key);
    pump();
  };

  const enqueueAfter = (key: string, ms: number) => {
    if (stopped) return;
    const at = Date.now() + ms;
    const existing = timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      timers.delete(key);
      enqueue(key);
    }, ms);
    timer.unref?.();
    timers.set(key, { at, timer });
  };

  const pump = () => {
    while (!stopped && running.size < concurrency) {
      const index = queue.findIndex((k) => !running.has(k));
      if (index < 0) return;
      const [key] = queue.splice(index, 1) as [string];
      queued.delete(key);
      running.add(key);
      void runPass(key);
    }
  };

  const runPass = async (key: string) => {
    try {
      const result = await options.reconcile(key);
      failures.delete(key);
      if (result.requeueAfterMs !== undefined) enqueueAfter(key, result.requeueAfterMs);
    } catch (err) {
      afterError(key, err);
    } finally {
      running.delete(key);
      if (dirty.delete(key)) enqueue(key);
      pump();
      notify();
    }
  };

  const afterError = (key: string, err: unknown) => {
    options.onError?.(key, err);
    if (err instanceof WaitingError) {
      enqueueAfter(key, err.requeueAfterMs);
    } else if (err instanceof StalledError) {
      const fp = options.fingerprint?.(key);
      if (fp !== undefined) stalledAt.set(key, fp);
    } else {
      // A pass that failed but moved the cluster forward starts the backoff over (controller-runtime's Forget).
      const n = err instanceof TransientError && err.progressed ? 1 : (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (n - 1));
      const hinted = err instanceof TransientError && err.retryAfterMs ? Math.max(exp, err.retryAfterMs) : exp;
      enqueueAfter(key, Math.round(hinted * (0.5 + random() / 2)));
    }
  };

  return {
    enqueue,
    enqueueAfter,
    idle: () =>
      new Promise<void>((resolve) => {
        if (isIdle()) resolve();
        else waiters.push(() => resolve());
      }),
    stop: async () => {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t.timer);
      timers.clear();
      queue.length = 0;
      queued.clear();
      while (running.size > 0) await new Promise((r) => setTimeout(r, 10));
    },
    get depth() {
      return queue.length + running.size;
    },
  };
}
