import { describe, expect, it } from 'vitest';
import { loadRepository, type RepoEntry } from '../../../src/domain/manifest/repository.js';
import type { Provider } from '../../../src/domain/manifest/types.js';
import { buildDesiredState, type DesiredInput } from '../../../src/reconcile/desired.js';
import { approvedTransfer, TRANSFER_APPROVAL_MS, type RecordFacts } from '../../../src/reconcile/desired-identity.js';

const REVISION = 'abcdef0123456789abcdef0123456789abcdef01';

interface Fields {
  id?: string;
  provider?: string;
  region?: string;
  orchestrator?: string;
  organizationId?: string;
}

function yaml(name: string, f: Fields = {}): string {
  return [
    ...(f.id ? [`id: ${f.id}`] : []),
    `organizationId: ${f.organizationId ?? 'org_abc123'}`,
    `name: ${name}`,
    `provider: ${f.provider ?? 'hetzner'}`,
    `region: ${f.region ?? 'fsn1'}`,
    `orchestrator: ${f.orchestrator ?? 'swarm'}`,
    'nodes:',
    '  - role: manager',
    '    plan: small',
    '    count: 1',
    '',
  ].join('\n');
}

const at = (path: string, content: string): RepoEntry => ({ path, kind: 'file', content });
const HETZNER: RecordFacts = { provider: 'hetzner', region: 'fsn1', orchestrator: 'swarm', organizationId: 'org_abc123' };

function desired(files: RepoEntry[], known: Record<string, string>, more: Partial<DesiredInput> = {}) {
  return buildDesiredState({
    load: loadRepository(files),
    revision: REVISION,
    known: new Map(Object.entries(known)),
    records: new Map(Object.keys(known).map((id) => [id, HETZNER])),
    orphans: new Map<string, Provider>(),
    holds: new Map<string, string>(),
    confirmed: new Map<string, string>(),
    canRestoreIds: true,
    ...more,
  });
}

const PROD = { cluster_prod: 'prod' };

describe('a manifest whose id: line was removed keeps its cluster', () => {
  it('gets the id back (to be committed) and nothing happens to the cluster meanwhile', () => {
    const state = desired([at('clusters/prod.yaml', yaml('prod'))], PROD);

    expect(state.restores).toEqual([{ file: 'clusters/prod.yaml', name: 'prod', id: 'cluster_prod' }]);
    expect(state.unassigned).toEqual([]);
    expect(state.deleting).toEqual([]);
    expect(state.deletionHeld('cluster_prod')).toBeUndefined();
    expect(state.get('cluster_prod')).toMatchObject({ kind: 'invalid', pending: true });
  });

  it.each([
    { how: 'the source is read-only (serve --local)', known: PROD, more: { canRestoreIds: false }, ids: ['cluster_prod'], message: 'id removed; restore `id: cluster_prod`' },
    {
      how: 'two known clusters carry that name',
      known: { cluster_prod: 'prod', cluster_prod2: 'prod' },
      more: {},
      ids: ['cluster_prod', 'cluster_prod2'],
      message: 'id removed; restore `id: cluster_prod` or `id: cluster_prod2`',
    },
  ])('is an error, never a new cluster nor a deletion, when $how', ({ known, more, ids, message }) => {
    const state = desired([at('clusters/prod.yaml', yaml('prod'))], known, more);

    expect(state.restores).toEqual([]);
    expect(state.unassigned).toEqual([]);
    expect(state.deleting).toEqual([]);
    for (const id of ids) {
      const entry = state.get(id);
      expect(entry?.kind).toBe('invalid');
      expect(entry?.kind === 'invalid' && entry.pending).toBeFalsy();
      expect(entry?.kind === 'invalid' && entry.message).toContain(message);
    }
  });

  it('is a new cluster when the known one of that name is already being deleted, or still has its manifest', () => {
    const deleting = desired([at('clusters/prod.yaml', yaml('prod'))], PROD, { records: new Map([['cluster_prod', { ...HETZNER, deleting: true }]]) });
    expect(deleting.unassigned.map((c) => c.manifest.name)).toEqual(['prod']);
    expect(deleting.restores).toEqual([]);

    const carried = desired([at('clusters/prod.yaml', yaml('prod', { id: 'cluster_prod' })), at('clusters/prod-2.yaml', yaml('prod-2'))], { cluster_prod: 'prod', cluster_old: 'old' });
    expect(carried.unassigned.map((c) => c.manifest.name)).toEqual(['prod-2']);
  });

  it("is another organization's new cluster, never given this one's id, unless it is the very file this cluster was applied from", () => {
    const records = new Map([['cluster_prod', { ...HETZNER, file: 'clusters/prod.yaml' }]]);
    const other = desired([at('clusters/prod.org_b.yaml', yaml('prod', { organizationId: 'org_b' }))], PROD, { records });
    expect(other.restores).toEqual([]);
    expect(other.unassigned.map((c) => c.file)).toEqual(['clusters/prod.org_b.yaml']);

    // Its own file with organizationId edited too: the id comes back (then an immutable-field error), never a delete + create.
    const moved = desired([at('clusters/prod.yaml', yaml('prod', { organizationId: 'org_b' }))], PROD, { records });
    expect(moved.restores).toEqual([{ file: 'clusters/prod.yaml', name: 'prod', id: 'cluster_prod' }]);
    expect(moved.deleting).toEqual([]);
  });
});

describe('a layout the validator rejects never deletes a cluster', () => {
  const prod = yaml('prod', { id: 'cluster_prod' });
  it.each([
    { layout: 'a sub-folder', path: 'clusters/eu/prod.yaml', content: prod },
    { layout: 'a deeper sub-folder', path: 'clusters/eu/west/prod.yaml', content: prod },
    { layout: '.yml', path: 'clusters/prod.yml', content: prod },
    { layout: 'an upper-case name', path: 'clusters/Prod.yaml', content: prod },
    { layout: 'an underscore', path: 'clusters/prod_eu.yaml', content: prod },
    { layout: 'a dotfile', path: 'clusters/.prod.yaml', content: prod },
    { layout: 'a rename with a syntax error', path: 'clusters/prod-eu.yaml', content: `${prod}  bad: [\n` },
    { layout: 'a rename with a wrong name', path: 'clusters/prod-eu.yaml', content: prod },
  ])('$layout: the cluster of the recovered id is invalid, nothing is deleted', ({ path, content }) => {
    const state = desired([at(path, content), at('clusters/web.yaml', yaml('web', { id: 'cluster_web' }))], { ...PROD, cluster_web: 'web' });

    expect(state.get('cluster_prod')?.kind).toBe('invalid');
    expect(state.get('cluster_prod')?.kind === 'invalid' && (state.get('cluster_prod') as { message: string }).message).toContain(path);
    expect(state.deleting).toEqual([]);
  });

  it('holds every deletion of a revision that has any error under clusters/, naming the errors', () => {
    const files = [at('clusters/eu/stray.yaml', 'just: text'), at('clusters/web.yaml', yaml('web', { id: 'cluster_web' }))];
    const state = desired(files, { ...PROD, cluster_web: 'web' });

    expect(state.deleting).toEqual([]);
    expect(state.deletionHeld('cluster_prod')).toMatch(/clusters\/ has errors.*clusters\/eu\/stray\.yaml/);
    // The same revision without the error deletes it.
    expect(desired([files[1]!], { ...PROD, cluster_web: 'web' }).deleting).toEqual(['cluster_prod']);
  });

  it('reads a .keep with content as a dotfile: a manifest moved there keeps its cluster', () => {
    const state = desired([at('clusters/.keep', yaml('prod', { id: 'cluster_prod' }))], PROD);
    expect(state.get('cluster_prod')?.kind).toBe('invalid');
    expect(state.deleting).toEqual([]);
  });

  it('reports a dotfile but keeps .gitkeep and .keep silent', () => {
    const load = loadRepository([at('clusters/.gitkeep', ''), at('clusters/.keep', ''), at('clusters/.notes', 'x')]);
    expect(load.diagnostics.map((d) => d.file)).toEqual(['clusters/.notes']);
    expect(load.diagnostics[0]!.message).toMatch(/hidden file/);
  });
});

describe('immutable fields changed in Git', () => {
  it.each([
    { field: 'provider', fields: { provider: 'aws', region: 'us-east-1' }, message: 'provider changed from hetzner to aws' },
    { field: 'region', fields: { region: 'nbg1' }, message: 'region changed from fsn1 to nbg1: provider, region, orchestrator and organizationId cannot change; restore `region: fsn1` or create a new cluster' },
    { field: 'orchestrator', fields: { orchestrator: 'kubernetes' }, message: 'orchestrator changed from swarm to kubernetes' },
    { field: 'organizationId', fields: { organizationId: 'org_other' }, message: 'organizationId changed from org_abc123 to org_other' },
  ])('$field: the cluster is invalid with a message saying what to restore', ({ fields, message }) => {
    const files = [at('clusters/prod.yaml', yaml('prod', { id: 'cluster_prod', ...fields }))];
    const state = desired(files, PROD);

    const entry = state.get('cluster_prod');
    expect(entry?.kind).toBe('invalid');
    expect(entry?.kind === 'invalid' && entry.message).toContain(message);
    expect(state.deleting).toEqual([]);
  });

  it('lets an organizationId change through only when the record holds a transfer to exactly that organization', () => {
    const files = [at('clusters/prod.yaml', yaml('prod', { id: 'cluster_prod', organizationId: 'org_other' }))];
    const approved = desired(files, PROD, { records: new Map([['cluster_prod', { ...HETZNER, transferTo: 'org_other' }]]) });
    expect(approved.get('cluster_prod')?.kind).toBe('valid');

    const elsewhere = desired(files, PROD, { records: new Map([['cluster_prod', { ...HETZNER, transferTo: 'org_third' }]]) });
    expect(elsewhere.get('cluster_prod')?.kind).toBe('invalid');
  });
});

describe('approvedTransfer', () => {
  const at = '2026-01-01T12:00:00.000Z';
  const t = Date.parse(at);
  it.each([
    { when: 'just approved', now: t + 1_000, to: 'org_other' },
    { when: 'approved long ago (stale: its commit never landed)', now: t + TRANSFER_APPROVAL_MS, to: undefined },
    { when: 'dated in the future', now: t - 1_000, to: undefined },
  ])('$when → $to', ({ now, to }) => {
    expect(approvedTransfer({ to: 'org_other', at }, now)).toBe(to);
  });
  it('no approval → nothing', () => expect(approvedTransfer(undefined, t)).toBeUndefined());
});
