import { describe, expect, it } from 'vitest';
import { cachedManifestParser, loadRepository, type RepoEntry } from '../../../../src/domain/manifest/repository.js';

const text = (name: string, id: string, workers = 2) =>
  `id: ${id}\norganizationId: org_abc123\nname: ${name}\nprovider: hetzner\nregion: nbg1\norchestrator: swarm\nnodes:\n  - role: manager\n    plan: small\n    count: 1\n  - role: worker\n    plan: small\n    count: ${workers}\n`;
const file = (path: string, content: string): RepoEntry => ({ path, kind: 'file', content });

describe('the manifest parse cache', () => {
  it('re-parses only files whose text changed, and gives the same answers as a fresh load', () => {
    const calls: string[] = [];
    const cached = cachedManifestParser();
    const parse = (f: string, t: string) => {
      calls.push(f);
      return cached(f, t);
    };
    const first = [file('clusters/a.yaml', text('a', 'cluster_a')), file('clusters/b.yaml', text('b', 'cluster_b'))];
    loadRepository(first, cached);
    const second = [first[0]!, file('clusters/b.yaml', text('b', 'cluster_b', 3))];
    const load = loadRepository(second, parse);
    const meaning = (l: ReturnType<typeof loadRepository>) => ({ clusters: l.clusters.map((c) => [c.file, c.manifest]), invalid: l.invalid, diagnostics: l.diagnostics });
    expect(meaning(load)).toEqual(meaning(loadRepository(second)));
    expect(load.clusters.map((c) => [c.manifest.name, c.manifest.nodes[1]!.count])).toEqual([['a', 2], ['b', 3]]);
    expect(calls).toEqual(['clusters/a.yaml', 'clusters/b.yaml']);
  });

  it('cross-file errors (a duplicate id) never stick to a cached parse', () => {
    const parse = cachedManifestParser();
    const a = file('clusters/a.yaml', text('a', 'cluster_same'));
    const clash = [a, file('clusters/b.yaml', text('b', 'cluster_same'))];
    expect(loadRepository(clash, parse).invalid.map((i) => i.file)).toEqual(['clusters/a.yaml', 'clusters/b.yaml']);
    expect(loadRepository(clash, parse).diagnostics).toHaveLength(2);
    // Fixed in the next revision: a.yaml is unchanged (served from the cache) and valid again.
    const fixed = loadRepository([a, file('clusters/b.yaml', text('b', 'cluster_b'))], parse);
    expect(fixed.invalid).toEqual([]);
    expect(fixed.clusters.map((c) => c.manifest.id)).toEqual(['cluster_same', 'cluster_b']);
  });
});
