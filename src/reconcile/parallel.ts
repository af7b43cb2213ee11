import { StalledError } from './errors.js';

/** The outcome of running many writes: which inputs succeeded or stalled, and the errors. */
export interface Settled<T> {
  fulfilled: T[];
  stalled: T[];
  errors: unknown[];
  /** Throws the most serious error (stalled before others), if any. */
  rethrow(): void;
}

/** Runs `fn` over `items` with at most `limit` in flight; never rejects, collects failures. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<Settled<T>> {
  const out: Settled<T> = {
    fulfilled: [],
    stalled: [],
    errors: [],
    rethrow() {
      const stalled = this.errors.find((e) => e instanceof StalledError);
      if (stalled ?? this.errors[0]) throw stalled ?? this.errors[0];
    },
  };
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
        out.fulfilled.push(item);
      } catch (err) {
        if (err instanceof StalledError) out.stalled.push(item);
        out.errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Awaits every promise, then throws the most serious failure (stalled first), if any. */
export async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const stalled = errors.find((e) => e instanceof StalledError);
  if (stalled ?? errors[0]) throw stalled ?? errors[0];
}
