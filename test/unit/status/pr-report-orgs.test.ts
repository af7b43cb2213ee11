import { describe, expect, it } from 'vitest';
import type { RepoEntry } from '../../../src/domain/manifest/repository.js';
import { buildPullRequestReport } from '../../../src/status/github/pr-report.js';

const text = (name: string, org: string, id: string) =>
  `id: ${id}\norganizationId: ${org}\nname: ${name}\nprovider: digitalocean\nregion: sfo3\norchestrator: kubernetes\nnodes:\n  - role: manager\n    plan: small\n    count: 1\n`;
const file = (path: string, content: string): RepoEntry => ({ path, kind: 'file', content });

// Names are per organization (issue 14 item 9a): another organization's cluster of the same name
// never stands in for a cluster a pull request removes.
describe('pull-request plan with one name in two organizations', () => {
  it("removing org_a's web plans its deletion although org_b also has a web", () => {
    const other = file('clusters/web.org_b.yaml', text('web', 'org_b', 'cluster_b'));
    const report = buildPullRequestReport({
      headSha: 'a'.repeat(40),
      files: [{ filename: 'clusters/web.yaml', status: 'removed' }],
      base: [file('clusters/web.yaml', text('web', 'org_a', 'cluster_a')), other],
      head: [other],
      records: [],
    });
    expect(report.clusters.map((c) => `${c.organizationId}:${c.plan.clusterId}`)).toEqual(['org_a:cluster_a']);
    expect(report.comment).toMatch(/Destructive changes in `web`/);
  });
});
