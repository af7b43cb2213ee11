import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../../src/domain/manifest/parse.js';
import { formatDiagnostic, loadRepository } from '../../../../src/domain/manifest/repository.js';

const manifest = (over: Record<string, string> = {}) =>
  `organizationId: org_abc123
name: ${over.name ?? 'web'}
provider: ${over.provider ?? 'digitalocean'}
region: ${over.region ?? 'sfo3'}
orchestrator: ${over.orchestrator ?? 'kubernetes'}
nodes:
  - role: manager
    plan: ${over.managerPlan ?? 'medium'}
    count: ${over.managers ?? '1'}
  - role: worker
    plan: small
    count: 2
`;

describe('parseManifest', () => {
  it('returns the manifest with no diagnostics for a valid file', () => {
    const p = parseManifest('clusters/web.yaml', manifest());
    expect(p.diagnostics).toEqual([]);
    expect(p.cluster).toEqual({
      organizationId: 'org_abc123',
      name: 'web',
      provider: 'digitalocean',
      region: 'sfo3',
      orchestrator: 'kubernetes',
      nodes: [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 2 },
      ],
    });
  });

  it.each([
    ['hetzner', 'nbg1', 'power'],
    ['hetzner', 'sin', 'small'],
    ['aws', 'eu-central-1', 'power'],
    ['aws', 'us-east-1', 'nano'],
    ['digitalocean', 'fra1', 'nano'],
  ])('accepts %s in %s with plan %s', (provider, region, managerPlan) => {
    const p = parseManifest('clusters/web.yaml', manifest({ provider, region, managerPlan }));
    expect(p.diagnostics).toEqual([]);
    expect(p.cluster?.region).toBe(region);
  });

  it('accepts an odd swarm control plane and warns on an even kubernetes one', () => {
    expect(parseManifest('clusters/web.yaml', manifest({ orchestrator: 'swarm', managers: '3' })).diagnostics).toEqual([]);
    const even = parseManifest('clusters/web.yaml', manifest({ managers: '2' }));
    expect(even.cluster).toBeDefined();
    expect(even.diagnostics.map(formatDiagnostic)).toEqual([
      'clusters/web.yaml:9:12: warning: kubernetes control plane has an even number of managers (2): etcd with 2 members tolerates no more failures than with 1',
    ]);
  });

  it('keeps the name and id of an invalid file so its cluster is not taken for deleted', () => {
    const p = parseManifest('clusters/web.yaml', `id: cluster_x1\n${manifest({ provider: 'gcp' })}`);
    expect(p.cluster).toBeUndefined();
    expect(p.id).toBe('cluster_x1');
    expect(p.name).toBe('web');
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghij'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(', ')}]`)].join('\n');
    const p = parseManifest('clusters/web.yaml', bomb);
    expect(p.cluster).toBeUndefined();
    expect(p.diagnostics.length).toBeGreaterThan(0);
  });
});

describe('loadRepository', () => {
  const file = (path: string, content: string) => ({ path, kind: 'file' as const, content });

  it('separates valid clusters from invalid ones and reports every file', () => {
    const repo = loadRepository([
      file('clusters/web.yaml', manifest()),
      file('clusters/api.yaml', manifest({ name: 'api', managers: '-1' })),
      file('clusters/db.yaml', manifest({ name: 'db', region: 'mars1' })),
    ]);
    expect(repo.clusters.map((c) => c.manifest.name)).toEqual(['web']);
    expect(repo.invalid.map((i) => i.name).sort()).toEqual(['api', 'db']);
    expect(repo.diagnostics.map((d) => d.file)).toEqual(['clusters/api.yaml', 'clusters/db.yaml']);
  });

  it('reports duplicate names even when only one file has the name of its own', () => {
    const repo = loadRepository([file('clusters/web.yaml', manifest()), file('clusters/www.yaml', manifest())]);
    expect(repo.diagnostics.map(formatDiagnostic)).toEqual([
      'clusters/web.yaml:2:7: name web is also used in org_abc123 by clusters/www.yaml; every cluster needs its own name',
      'clusters/www.yaml:2:7: name "web" of org_abc123 must equal the file name: clusters/web.yaml or clusters/web.org_abc123.yaml (rename the file or the cluster)',
      'clusters/www.yaml:2:7: name web is also used in org_abc123 by clusters/web.yaml; every cluster needs its own name',
    ]);
    expect(repo.clusters).toEqual([]);
  });

  it('accepts an empty clusters/ folder', () => {
    expect(loadRepository([])).toEqual({ clusters: [], invalid: [], diagnostics: [] });
  });
});
