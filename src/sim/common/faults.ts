/**
 * Fault injection for the emulators: make the next N calls (or a share of calls) fail the way
 * real clouds fail. Set programmatically (`sim.faults.add(...)`) or over HTTP
 * (`POST /__sim/faults` with the same JSON).
 */
export type FaultKind =
  /** Answer with an HTTP error in the provider's own error shape (429, 500, 503 …). */
  | 'status'
  /** Never answer; the client's timeout fires. */
  | 'timeout'
  /** Close the connection before the request is processed: nothing happened. */
  | 'drop'
  /** Process the request, then close the connection: it happened, but the client never hears. */
  | 'drop-after';

export interface FaultRule {
  kind: FaultKind;
  /** For `status`: the HTTP status to answer. */
  status?: number;
  /** For `status`: a `Retry-After` header (seconds) on the answer, as providers send with 429 and 503. */
  retryAfterS?: number;
  /** For `status`: the provider's error code in the body (DigitalOcean `id`, Hetzner `error.code`) instead of the status's usual one. */
  code?: string;
  /** Only calls of this operation (e.g. `droplets.create`, `RunInstances`); all calls when absent. */
  operation?: string;
  /** Fail this many matching calls, then stop (default: 1 unless `probability` is set). */
  times?: number;
  /** Fail each matching call with this probability (0–1), for as long as the rule lives. */
  probability?: number;
}

interface LiveRule extends FaultRule {
  left: number;
}

export class FaultInjector {
  private rules: LiveRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): void {
    validateRule(rule);
    const left = rule.times ?? (rule.probability === undefined ? 1 : Infinity);
    this.rules.push({ ...rule, left });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ left, ...r }) => ({ ...r, times: left }));
  }

  /** The fault to apply to this call, if any; consumes one use of the rule. */
  take(operation: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.left <= 0) continue;
      if (rule.operation !== undefined && rule.operation !== operation) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.left -= 1;
      this.rules = this.rules.filter((r) => r.left > 0);
      return rule;
    }
    return undefined;
  }
}

function validateRule(rule: FaultRule): void {
  const kinds: FaultKind[] = ['status', 'timeout', 'drop', 'drop-after'];
  if (!kinds.includes(rule.kind)) throw new Error(`fault kind must be one of ${kinds.join(', ')}`);
  if (rule.kind === 'status' && (!Number.isInteger(rule.status) || rule.status! < 400 || rule.status! > 599)) {
    throw new Error('a status fault needs status: 400–599');
  }
  if (rule.retryAfterS !== undefined && (rule.kind !== 'status' || !Number.isInteger(rule.retryAfterS) || rule.retryAfterS < 0)) {
    throw new Error('retryAfterS (an integer ≥ 0) goes with a status fault');
  }
  if (rule.code !== undefined && (rule.kind !== 'status' || !/^[a-z_]{1,64}$/.test(rule.code))) {
    throw new Error('code (lower-case letters and _) goes with a status fault');
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new Error('probability must be between 0 and 1');
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 1)) {
    throw new Error('times must be an integer ≥ 1');
  }
}
