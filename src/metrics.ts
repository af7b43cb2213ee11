import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ClusterStatus } from './domain/status/types.js';
import type { ProviderCall, ProviderCallRecorder } from './providers/types.js';
import { StalledError, TransientError, WaitingError } from './reconcile/errors.js';

/** What `/metrics` reads when scraped (live values, not counters). */
export interface MetricsSources {
  queueDepth: () => number;
  clustersByStatus: () => Partial<Record<ClusterStatus, number>>;
}

/** Which pass `instrumentPass` measures: the cluster (internal bookkeeping only) and its provider (the label). */
export interface PassKey {
  cluster: string;
  /** `digitalocean`, `hetzner`, `aws`, or `unknown` when nothing says (a bounded set). */
  provider: string;
}

const CLUSTER_STATUSES: readonly ClusterStatus[] = ['provisioning', 'running', 'degraded', 'updating', 'deleting', 'error'];

/**
 * clusterops' Prometheus metrics (prom-client, one registry per instance, never the global one).
 * Names follow Prometheus conventions: `clusterops_` prefix, `_total` counters, `_seconds` units.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly passes: Counter<'provider' | 'result'>;
  private readonly passDuration: Histogram<'provider' | 'result'>;
  private readonly providerCalls: Counter<'provider' | 'operation' | 'status'>;
  private readonly providerDuration: Histogram<'provider' | 'operation'>;
  private readonly rateRemaining: Gauge<'provider'>;
  private readonly polls: Counter<'result'>;
  private readonly pollDuration: Histogram<'result'>;
  private readonly apiRequests: Counter<'procedure' | 'method' | 'status'>;
  private readonly apiDuration: Histogram<'procedure'>;
  private readonly converge: Histogram<'provider'>;
  /**
   * Per cluster: the manifest hash a pass first saw and when, until the cluster is running with it.
   * Internal only (never a label): an entry goes when its cluster's manifest does.
   */
  private readonly landing = new Map<string, { hash: string; since: number; done: boolean }>();

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.passes = new Counter({ name: 'clusterops_reconcile_total', help: 'Reconcile passes per provider and result (success, requeue, waiting, transient_error, stalled, error).', labelNames: ['provider', 'result'], registers });
    this.passDuration = new Histogram({ name: 'clusterops_reconcile_duration_seconds', help: 'Duration of reconcile passes per provider and result.', labelNames: ['provider', 'result'], buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers });
    new Gauge({ name: 'clusterops_queue_depth', help: 'Cluster keys queued or being reconciled.', registers, collect() {
      this.set(sources.queueDepth());
    } });
    this.providerCalls = new Counter({ name: 'clusterops_provider_requests_total', help: 'Provider API calls per provider, operation and HTTP status (0: no response: timeout or dropped connection).', labelNames: ['provider', 'operation', 'status'], registers });
    this.providerDuration = new Histogram({ name: 'clusterops_provider_request_duration_seconds', help: 'Provider API call durations.', labelNames: ['provider', 'operation'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
    this.rateRemaining = new Gauge({ name: 'clusterops_provider_rate_limit_remaining', help: 'Requests left in the provider rate-limit window, as the last response said (ratelimit-remaining).', labelNames: ['provider'], registers });
    this.polls = new Counter({ name: 'clusterops_git_polls_total', help: 'Polls of the Git branch per result (unchanged, changed, error).', labelNames: ['result'], registers });
    this.pollDuration = new Histogram({ name: 'clusterops_git_poll_duration_seconds', help: 'Duration of Git polls per result; "changed" polls include the fetch of the new revision.', labelNames: ['result'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
    this.apiRequests = new Counter({ name: 'clusterops_api_requests_total', help: 'Clusters API requests per procedure, method and HTTP status.', labelNames: ['procedure', 'method', 'status'], registers });
    this.apiDuration = new Histogram({ name: 'clusterops_api_request_duration_seconds', help: 'Clusters API request durations per procedure.', labelNames: ['procedure'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    new Gauge({ name: 'clusterops_clusters', help: 'Clusters per status (as the API reports them).', labelNames: ['status'], registers, collect() {
      const counts = sources.clustersByStatus();
      for (const s of CLUSTER_STATUSES) this.set({ status: s }, counts[s] ?? 0);
    } });
    this.converge = new Histogram({ name: 'clusterops_revision_to_converged_seconds', help: 'Time from a changed manifest revision first being seen to its cluster running with it, per provider.', labelNames: ['provider'], buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600], registers });
  }

  /**
   * Wraps a reconcile pass: counts it by provider and result, times it, and notes when a revision
   * converged. Series are per provider, never per cluster: cluster ids would name every
   * organisation's clusters to any scraper and grow without bound (deleted clusters included).
   */
  instrumentPass<T extends { requeueAfterMs?: number }>(pass: PassKey, hash: string | undefined, run: () => Promise<T>, isRunning: () => boolean): Promise<T> {
    const { cluster, provider } = pass;
    const start = performance.now();
    if (hash !== undefined && this.landing.get(cluster)?.hash !== hash) this.landing.set(cluster, { hash, since: start, done: false });
    if (hash === undefined) this.landing.delete(cluster);
    const finish = (result: string) => {
      const seconds = (performance.now() - start) / 1000;
      this.passes.inc({ provider, result });
      this.passDuration.observe({ provider, result }, seconds);
      const landed = this.landing.get(cluster);
      if (landed && !landed.done && landed.hash === hash && isRunning()) {
        landed.done = true;
        this.converge.observe({ provider }, (performance.now() - landed.since) / 1000);
      }
    };
    return run().then(
      (r) => {
        finish(r.requeueAfterMs === undefined ? 'success' : 'requeue');
        return r;
      },
      (err: unknown) => {
        finish(err instanceof WaitingError ? 'waiting' : err instanceof StalledError ? 'stalled' : err instanceof TransientError ? 'transient_error' : 'error');
        throw err;
      },
    );
  }

  /** A recorder for provider adapters that also passes every call on to `next` (e.g. a CallCounter). */
  providerRecorder(next?: ProviderCallRecorder): ProviderCallRecorder {
    return {
      record: (call: ProviderCall) => {
        this.providerCalls.inc({ provider: call.provider, operation: call.operation, status: String(call.status) });
        this.providerDuration.observe({ provider: call.provider, operation: call.operation }, call.durationMs / 1000);
        if (call.rateLimitRemaining !== undefined) this.rateRemaining.set({ provider: call.provider }, call.rateLimitRemaining);
        next?.record(call);
      },
    };
  }

  gitPoll(result: 'unchanged' | 'changed' | 'error', seconds: number): void {
    this.polls.inc({ result });
    this.pollDuration.observe({ result }, seconds);
  }

  apiRequest(procedure: string, method: string, status: number, seconds: number): void {
    this.apiRequests.inc({ procedure, method, status: String(status) });
    this.apiDuration.observe({ procedure }, seconds);
  }

  /** The text exposition `/metrics` serves. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
