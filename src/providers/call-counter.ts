import type { ProviderCall, ProviderCallRecorder } from './types.js';

type Key = Pick<ProviderCall, 'provider' | 'operation' | 'status'>;

/**
 * Counts provider API calls per provider/operation/status (what tests, benchmarks and metrics
 * read). Counts are aggregates, so a long-running daemon's memory stays flat; `calls` keeps only
 * the most recent calls (bounded) for tests that look at their order.
 */
export class CallCounter implements ProviderCallRecorder {
  readonly calls: ProviderCall[] = [];
  private readonly totals = new Map<string, { key: Key; n: number }>();

  constructor(private readonly keep = 10_000) {}

  record(call: ProviderCall): void {
    const id = `${call.provider}\u0000${call.operation}\u0000${call.status}`;
    const entry = this.totals.get(id);
    if (entry) entry.n += 1;
    else this.totals.set(id, { key: { provider: call.provider, operation: call.operation, status: call.status }, n: 1 });
    this.calls.push(call);
    if (this.calls.length > this.keep) this.calls.splice(0, this.calls.length - this.keep);
  }

  /** Calls matching every given field (all calls since the last reset, not only those kept). */
  count(filter: Partial<Key> = {}): number {
    let n = 0;
    for (const { key, n: c } of this.totals.values()) {
      if ((filter.provider === undefined || key.provider === filter.provider) && (filter.operation === undefined || key.operation === filter.operation) && (filter.status === undefined || key.status === filter.status)) n += c;
    }
    return n;
  }

  reset(): void {
    this.calls.length = 0;
    this.totals.clear();
  }
}
