import { describe, expect, it } from 'vitest';
import { loadRepository, type RepoEntry } from '../../../../src/domain/manifest/repository.js';

/** A valid manifest text of `name` in `org`. */
const text = (name: string, org: string, id: string) =>
  `id: ${id}\norganizationId: ${org}\nname: ${name}\nprovider: digitalocean\nregion: sfo3\norchestrator: kubernetes\nnodes:\n  - role: manager\n    plan: small\n    count: 1\n`;
const file = (path: string, content: string): RepoEntry => ({ path, kind: 'file', content });

// Issue 14 item 9(a): a cluster's name is unique within its organization; the file is
// clusters/<name>.yaml, or clusters/<name>.<organizationId>.yaml when another organization holds the plain one.
describe('cluster names are per organization', () => {
  it('two organizations may both have a cluster named web: web.yaml and web.org_b.yaml are both valid', () => {
    const load = loadRepository([file('clusters/web.yaml', text('web', 'org_a', 'cluster_a')), file('clusters/web.org_b.yaml', text('web', 'org_b', 'cluster_b'))]);
    expect(load.diagnostics).toEqual([]);
    expect(load.clusters.map((c) => `${c.file}:${c.manifest.organizationId}/${c.manifest.name}`)).toEqual(['clusters/web.org_b.yaml:org_b/web', 'clusters/web.yaml:org_a/web']);
  });

  it('the same name twice in one organization is an error on both files, whichever form they use', () => {
    const load = loadRepository([file('clusters/web.yaml', text('web', 'org_a', 'cluster_a')), file('clusters/web.org_a.yaml', text('web', 'org_a', 'cluster_b'))]);
    expect(load.clusters).toEqual([]);
    expect(load.invalid.map((i) => i.file).sort()).toEqual(['clusters/web.org_a.yaml', 'clusters/web.yaml']);
    expect(load.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/name web is also used in org_a by clusters\/web\.yaml/), expect.stringMatching(/name web is also used in org_a by clusters\/web\.org_a\.yaml/)]);
  });

  it.each([
    ['a suffix of another organization', 'clusters/web.org_b.yaml', text('web', 'org_a', 'cluster_a'), /must equal the file name: clusters\/web\.yaml or clusters\/web\.org_a\.yaml/],
    ['a suffix with another name', 'clusters/api.org_a.yaml', text('web', 'org_a', 'cluster_a'), /must equal the file name/],
    ['a suffix that is not an organization id', 'clusters/web.prod.yaml', text('web', 'org_a', 'cluster_a'), /is not a valid cluster file name/],
    ['two suffixes', 'clusters/web.org_a.org_a.yaml', text('web', 'org_a', 'cluster_a'), /is not a valid cluster file name/],
  ])('refuses %s', (_what, path, content, message) => {
    const load = loadRepository([file(path, content)]);
    expect(load.clusters).toEqual([]);
    expect(load.diagnostics.map((d) => d.message).join('\n')).toMatch(message);
  });

  it('ids stay unique across the whole repository', () => {
    const load = loadRepository([file('clusters/web.yaml', text('web', 'org_a', 'cluster_x')), file('clusters/web.org_b.yaml', text('web', 'org_b', 'cluster_x'))]);
    expect(load.clusters).toEqual([]);
    expect(load.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/id cluster_x is also used/), expect.stringMatching(/id cluster_x is also used/)]);
  });
});
