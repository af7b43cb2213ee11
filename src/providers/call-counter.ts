import type { ProviderCall, ProviderCallRecorder } from './types.js';

/** Counts provider API calls per provider/operation/status; the recorder tests and benchmarks read. */
export class CallCounter implements ProviderCallRecorder {
  readonly calls: ProviderCall[] = [];

  record(call: ProviderCall): void {
    this.calls.push(call);
  }

  /** Calls matching every given field. */
  count(filter: Partial<Pick<ProviderCall, 'provider' | 'operation' | 'status'>> = {}): number {
    return this.calls.filter(
      (c) =>
        (filter.provider === undefined || c.provider === filter.provider) &&
        (filter.operation === undefined || c.operation === filter.operation) &&
        (filter.status === undefined || c.status === filter.status),
    ).length;
  }

  reset(): void {
    this.calls.length = 0;
  }
}
