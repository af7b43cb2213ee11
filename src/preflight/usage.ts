import { lookupSize } from '../domain/catalogue/catalogue.js';
import { locate } from '../domain/manifest/parse.js';
import type { LoadedCluster } from '../domain/manifest/repository.js';
import type { Provider } from '../domain/manifest/types.js';

/** What the manifests ask of one provider, with where each value is written (`file:line`). */
export interface ProviderUsage {
  provider: Provider;
  /** The manifests on this provider, as `file:line` of their `provider:` line. */
  clusters: string[];
  /** Region → where manifests name it. */
  regions: Map<string, string[]>;
  /** Region → provider size → the plan lines that map to it there. */
  sizes: Map<string, Map<string, string[]>>;
  /** Region → declared nodes. */
  nodes: Map<string, number>;
}

/** Every provider's usage (providers no manifest uses included, empty), from the valid manifests. */
export function usageOf(clusters: readonly LoadedCluster[]): Record<Provider, ProviderUsage> {
  const empty = (provider: Provider): ProviderUsage => ({ provider, clusters: [], regions: new Map(), sizes: new Map(), nodes: new Map() });
  const out: Record<Provider, ProviderUsage> = { digitalocean: empty('digitalocean'), hetzner: empty('hetzner'), aws: empty('aws') };
  for (const c of clusters) {
    const { provider, region, nodes } = c.manifest;
    const u = out[provider];
    const at = (path: (string | number)[]) => `${c.file}:${locate(c.parsed, path).line}`;
    u.clusters.push(at(['provider']));
    append(u.regions, region, at(['region']));
    nodes.forEach((group, i) => {
      const size = lookupSize(provider, region, group.plan);
      // The manifest is valid, so its plans map to sizes; a stale catalogue would have refused it.
      if (!size.ok) return;
      const sizes = u.sizes.get(region) ?? new Map<string, string[]>();
      append(sizes, size.size.size, at(['nodes', i, 'plan']));
      u.sizes.set(region, sizes);
      u.nodes.set(region, (u.nodes.get(region) ?? 0) + group.count);
    });
  }
  return out;
}

function append(map: Map<string, string[]>, key: string, place: string): void {
  map.set(key, [...(map.get(key) ?? []), place]);
}

/** Every (region, size) a provider's manifests use, with where. */
export function sizesUsed(u: ProviderUsage): { region: string; size: string; where: string[] }[] {
  return [...u.sizes].flatMap(([region, sizes]) => [...sizes].map(([size, where]) => ({ region, size, where })));
}

/** Declared nodes across every region. */
export function totalNodes(u: ProviderUsage): number {
  return [...u.nodes.values()].reduce((a, b) => a + b, 0);
}
