import type { Provider } from '../domain/manifest/types.js';
import type { ObservedVm, ProviderAdapter } from '../providers/types.js';
import { StalledError } from './errors.js';

/**
 * Shares provider listings between cluster passes, so a full pass over many clusters costs one
 * paginated list per account (and region, on EC2), never one per cluster or node (DESIGN §3).
 * Concurrent readers of a stale entry wait for one refresh; a write marks the entry stale.
 */
export interface ObservationCache {
  /**
   * VMs of one provider for the regions currently in use, at most `maxAgeMs` old — old measured
   * from when `clusterId`'s pass was requested (see `requested`), else from now. So every pass of
   * one batch shares one listing however long the batch takes, while a requeued pass (waiting
   * for a VM to boot) always looks again.
   */
  vms(provider: Provider, maxAgeMs: number, clusterId?: string): Promise<ObservedVm[]>;
  /** These clusters' passes were requested at `at` (ms); each cluster's next `vms` read uses it once. */
  requested(clusterIds: Iterable<string>, at: number): void;
  /** After a write: the next read lists again. */
  invalidate(provider: Provider): void;
  /** Regions to list per provider (from the manifests and the store). */
  setRegions(regions: Partial<Record<Provider, string[]>>): void;
}

interface Entry {
  at: number;
  vms: ObservedVm[];
  regionsKey: string;
  stale: boolean;
}

export function createObservationCache(providers: Partial<Record<Provider, ProviderAdapter>>, now: () => number = Date.now): ObservationCache {
  const entries = new Map<Provider, Entry>();
  const inflight = new Map<Provider, Promise<ObservedVm[]>>();
  const requestedAt = new Map<string, number>();
  // Bumped by every write, so a listing that started before the write is not taken as fresh.
  const generation = new Map<Provider, number>();
  let regions: Partial<Record<Provider, string[]>> = {};

  const refresh = (provider: Provider): Promise<ObservedVm[]> => {
    const running = inflight.get(provider);
    if (running) return running;
    const adapter = providers[provider];
    if (!adapter) return Promise.reject(new StalledError('NoCredentials', `no credentials are configured for ${provider}`));
    const wanted = [...(regions[provider] ?? [])].sort();
    const startedAt = now();
    const gen = generation.get(provider) ?? 0;
    const p = adapter
      .observe(wanted)
      .then((vms) => {
        const stale = (generation.get(provider) ?? 0) !== gen;
        entries.set(provider, { at: startedAt, vms, regionsKey: wanted.join(','), stale });
        return vms;
      })
      .finally(() => inflight.delete(provider));
    inflight.set(provider, p);
    return p;
  };

  return {
    vms: async (provider, maxAgeMs, clusterId) => {
      const asOf = (clusterId !== undefined ? requestedAt.get(clusterId) : undefined) ?? now();
      if (clusterId !== undefined) requestedAt.delete(clusterId);
      const e = entries.get(provider);
      const wanted = [...(regions[provider] ?? [])].sort().join(',');
      const fresh = e && !e.stale && e.regionsKey === wanted && asOf - e.at <= maxAgeMs;
      return fresh ? e.vms : refresh(provider);
    },
    requested: (clusterIds, at) => {
      // A later request asks for a fresher view than an earlier one not yet served.
      for (const id of clusterIds) requestedAt.set(id, Math.max(at, requestedAt.get(id) ?? at));
    },
    invalidate: (provider) => {
      generation.set(provider, (generation.get(provider) ?? 0) + 1);
      const e = entries.get(provider);
      if (e) e.stale = true;
    },
    setRegions: (r) => {
      regions = r;
    },
  };
}
