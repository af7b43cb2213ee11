import { describe, expect, it } from 'vitest';
import { loadRepository, type RepoEntry } from '../../../src/domain/manifest/repository.js';
import type { Provider } from '../../../src/domain/manifest/types.js';
import { buildDesiredState, type DesiredInput } from '../../../src/reconcile/desired.js';

const REVISION = 'abcdef0123456789abcdef0123456789abcdef01';

/** A valid manifest for `clusters/<name>.yaml`; no `id:` line when `id` is omitted. */
function yaml(name: string, id?: string, managers = 1): string {
  return [
    ...(id ? [`id: ${id}`] : []),
    'organizationId: org_abc123',
    `name: ${name}`,
    'provider: hetzner',
    'region: fsn1',
    'orchestrator: swarm',
    'nodes:',
    '  - role: manager',
    '    plan: small',
    `    count: ${managers}`,
    '',
  ].join('\n');
}

const file = (name: string, content: string): RepoEntry => ({ path: `clusters/${name}.yaml`, kind: 'file', content });

/** Builds the desired state of `files`; the store knows `known` (id → name). */
function desired(files: RepoEntry[], known: Record<string, string> = {}, more: Partial<DesiredInput> = {}) {
  return buildDesiredState({
    load: loadRepository(files),
    revision: REVISION,
    known: new Map(Object.entries(known)),
    orphans: new Map<string, Provider>(),
    holds: new Map<string, string>(),
    confirmed: new Map<string, string>(),
    ...more,
  });
}

/** `count` known clusters `c1 … cN` (ids `cluster_c1` …), each with a manifest unless listed in `removed`. */
function fleet(count: number, removed: number[]) {
  const known: Record<string, string> = {};
  const files: RepoEntry[] = [];
  for (let i = 1; i <= count; i++) {
    known[`cluster_c${i}`] = `c${i}`;
    if (!removed.includes(i)) files.push(file(`c${i}`, yaml(`c${i}`, `cluster_c${i}`)));
  }
  return { known, files };
}

describe('buildDesiredState', () => {
  it('indexes valid manifests by id and keeps manifests without an id apart', () => {
    const state = desired([file('web', yaml('web', 'cluster_web001')), file('api', yaml('api'))]);

    expect([...state.entries.keys()]).toEqual(['cluster_web001']);
    const web = state.get('cluster_web001');
    expect(web?.kind).toBe('valid');
    expect(web?.kind === 'valid' && web.manifest).toMatchObject({ id: 'cluster_web001', name: 'web', provider: 'hetzner', region: 'fsn1' });
    expect(state.unassigned.map((c) => [c.file, c.manifest.name, c.manifest.id])).toEqual([['clusters/api.yaml', 'api', undefined]]);
    expect(state.revision).toBe(REVISION);
    expect(state.deleting).toEqual([]);
    expect(state.get('cluster_nope')).toBeUndefined();
  });

  it.each([
    { how: 'by the id it still carries', content: yaml('web', 'cluster_web001').replace('count: 1', 'count: -1') },
    { how: 'by its file name when nothing can be read', content: 'name: [web' },
  ])('matches an invalid manifest to its known cluster $how and never deletes it', ({ content }) => {
    const state = desired([file('web', content)], { cluster_web001: 'web' });

    const entry = state.get('cluster_web001');
    expect(entry?.kind).toBe('invalid');
    expect(entry?.kind === 'invalid' && entry.name).toBe('web');
    expect(entry?.kind === 'invalid' && entry.message).toMatch(/^clusters\/web\.yaml:\d+:\d+: /);
    expect(state.deleting).toEqual([]);
    expect(state.held.size).toBe(0);
  });

  it('ignores an invalid manifest that matches no cluster, and deletes nothing while it is there', () => {
    const state = desired([file('web', 'name: [web')], { cluster_api001: 'api' });

    expect(state.entries.size).toBe(0);
    expect(state.deleting).toEqual([]);
    expect(state.deletionHeld('cluster_api001')).toMatch(/clusters\/ has errors/);
  });

  it('does not delete a known cluster whose manifest lost its id but kept its name, nor give it a new id', () => {
    const state = desired([file('web', yaml('web'))], { cluster_web001: 'web' });

    expect(state.unassigned).toEqual([]);
    expect(state.get('cluster_web001')?.kind).toBe('invalid');
    expect(state.deleting).toEqual([]);
  });

  it('deletes known clusters and orphans that have no manifest', () => {
    const state = desired([file('web', yaml('web', 'cluster_web001')), file('api', yaml('api', 'cluster_api001'))], {
      cluster_web001: 'web',
      cluster_api001: 'api',
      cluster_old001: 'old',
    }, { orphans: new Map<string, Provider>([['cluster_tag001', 'aws']]) });

    expect(state.deleting.sort()).toEqual(['cluster_old001', 'cluster_tag001']);
    expect(state.held.size).toBe(0);
    expect(state.get('cluster_old001')).toBeUndefined();
    expect(state.orphanProvider('cluster_tag001')).toBe('aws');
    expect(state.orphanProvider('cluster_old001')).toBeUndefined();
  });

  describe('mass-deletion guard (default: more than 1 and more than half)', () => {
    it.each([
      { total: 1, removed: [1], held: false },
      { total: 3, removed: [2], held: false },
      { total: 5, removed: [2, 4], held: false },
      { total: 4, removed: [1, 2], held: false },
      { total: 5, removed: [1, 3, 5], held: true },
      { total: 3, removed: [1, 2], held: true },
      { total: 2, removed: [1, 2], held: true },
    ])('$removed.length of $total removed → held: $held', ({ total, removed, held }) => {
      const { known, files } = fleet(total, removed);
      const ids = removed.map((i) => `cluster_c${i}`);

      const state = desired(files, known);

      expect([...state.held.keys()].sort()).toEqual(held ? ids : []);
      expect(state.deleting.sort()).toEqual(held ? [] : ids);
      for (const id of ids) expect(state.deletionHeld(id) !== undefined).toBe(held);
    });

    it('explains the hold and exactly how to confirm it: the procedure, the cluster and the held revision; no commit marker', () => {
      const { known, files } = fleet(5, [1, 3, 5]);

      const message = desired(files, known).deletionHeld('cluster_c3');

      expect(message).toContain(`since revision ${REVISION.slice(0, 12)}: 3 of 5 clusters (c1, c3, c5) would be deleted at once`);
      expect(message).toContain(`POST /api/cluster.confirmDeletion {"clusterId":"cluster_c3","revision":"${REVISION}"}`);
      expect(message).not.toContain('clusterops: confirm-deletion');
    });

    it('counts orphans among the clusters that would go', () => {
      const { known, files } = fleet(2, [1]);
      const orphans = new Map<string, Provider>([['cluster_tag001', 'hetzner']]);

      const state = desired(files, known, { orphans });

      expect([...state.held.keys()].sort()).toEqual(['cluster_c1', 'cluster_tag001']);
      expect(state.deletionHeld('cluster_tag001')).toContain('cluster_tag001');
    });

    it('releases exactly the clusters confirmed for their held revision; the others stay held however few are left', () => {
      const { known, files } = fleet(5, [1, 2, 3]);
      const holds = new Map(['cluster_c1', 'cluster_c2', 'cluster_c3'].map((id) => [id, 'r1'] as const));

      const one = desired(files, known, { holds, confirmed: new Map([['cluster_c1', 'r1']]) });
      expect(one.deleting).toEqual(['cluster_c1']);
      expect([...one.held.keys()].sort()).toEqual(['cluster_c2', 'cluster_c3']);
      expect(one.deletionHeld('cluster_c2')).toContain('2 of 5 clusters (c2, c3)');

      // c1 and c2 are gone for good; c3 alone would not trip the guard, but its hold lasts.
      const left = ['c4', 'c5'].map((n) => file(n, yaml(n, `cluster_${n}`)));
      const last = desired(left, { cluster_c3: 'c3', cluster_c4: 'c4', cluster_c5: 'c5' }, { holds });
      expect([...last.held.keys()]).toEqual(['cluster_c3']);
      expect(last.holds.get('cluster_c3')).toBe('r1');
    });

    it('ignores a confirmation of another revision than the hold, and holds new deletions at the current revision', () => {
      const { known, files } = fleet(4, [1, 2, 3]);

      const state = desired(files, known, { holds: new Map([['cluster_c1', 'r1']]), confirmed: new Map([['cluster_c1', 'r0'], ['cluster_c2', REVISION]]) });

      expect([...state.held.keys()].sort()).toEqual(['cluster_c1', 'cluster_c2', 'cluster_c3']);
      expect(Object.fromEntries(state.holds)).toEqual({ cluster_c1: 'r1', cluster_c2: REVISION, cluster_c3: REVISION });
      expect(state.deleting).toEqual([]);
    });

    it('drops a hold once the manifest is back', () => {
      const { known, files } = fleet(3, []);

      const state = desired(files, known, { holds: new Map([['cluster_c1', 'r1']]), confirmed: new Map([['cluster_c1', 'r1']]) });

      expect(state.holds.size).toBe(0);
      expect(state.held.size).toBe(0);
    });

    it('applies a custom guard', () => {
      const { known, files } = fleet(10, [1, 2]);

      const state = desired(files, known, { guard: { maxClusters: 0, maxShare: 0.1 } });

      expect([...state.held.keys()].sort()).toEqual(['cluster_c1', 'cluster_c2']);
    });
  });

  describe('hashes', () => {
    const hashOf = (content: string, known: Record<string, string> = {}) => desired([file('web', content)], known).get('cluster_web001')?.hash;

    it('stay the same for the same content and change when the manifest changes', () => {
      const base = hashOf(yaml('web', 'cluster_web001'));

      expect(base).toMatch(/^[0-9a-f]{16}$/);
      expect(hashOf(yaml('web', 'cluster_web001'))).toBe(base);
      expect(hashOf(`# a comment\n${yaml('web', 'cluster_web001')}`)).toBe(base);
      expect(hashOf(yaml('web', 'cluster_web001', 3))).not.toBe(base);
      expect(hashOf(yaml('web', 'cluster_web001').replace('fsn1', 'nbg1'))).not.toBe(base);
    });

    it('of an invalid manifest change with its errors', () => {
      const known = { cluster_web001: 'web' };
      const bad = (count: number) => yaml('web', 'cluster_web001').replace('count: 1', `count: ${count}`);

      expect(hashOf(bad(-1), known)).toMatch(/^[0-9a-f]{16}$/);
      expect(hashOf(bad(-1), known)).toBe(hashOf(bad(-1), known));
      expect(hashOf(bad(-2), known)).not.toBe(hashOf(bad(-1), known));
      expect(hashOf(bad(-1), known)).not.toBe(hashOf(yaml('web', 'cluster_web001'), known));
    });
  });
});
