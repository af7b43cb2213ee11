import { describe, expect, it } from 'vitest';
import type { RepoEntry } from '../../../src/domain/manifest/repository.js';
import type { PullFile } from '../../../src/status/github/client.js';
import { buildPullRequestReport } from '../../../src/status/github/pr-report.js';
import type { ClusterRecord } from '../../../src/store/types.js';

const yaml = (id: string | null, over: Record<string, string> = {}) =>
  [
    ...(id ? [`id: ${id}`] : []),
    `organizationId: ${over.organizationId ?? 'org_abc123'}`,
    'name: web',
    `provider: ${over.provider ?? 'hetzner'}`,
    `region: ${over.region ?? 'fsn1'}`,
    'orchestrator: swarm',
    'nodes:',
    '  - role: manager',
    '    plan: small',
    '    count: 1',
    '',
  ].join('\n');

const file = (path: string, content: string): RepoEntry => ({ path, kind: 'file', content });
const RECORD = {
  id: 'cluster_web', name: 'web', organizationId: 'org_abc123', provider: 'hetzner', region: 'fsn1', orchestrator: 'swarm',
  createdAt: '', updatedAt: '', lastNodeNumber: 1, initialized: true, intents: [], events: [],
  status: { status: 'running', conditions: [], observedRevision: 'x', lastError: null, desiredNodes: 1, nodes: [{ id: 'node_001', role: 'manager', plan: 'small', ip: null, status: 'running' }] },
} as ClusterRecord;
const BASE = [file('clusters/web.yaml', yaml('cluster_web'))];

function report(head: RepoEntry[], files: PullFile[]) {
  return buildPullRequestReport({ headSha: 'f'.repeat(40), files, head, base: BASE, records: [RECORD] });
}
const modified: PullFile[] = [{ filename: 'clusters/web.yaml', status: 'modified' } as PullFile];

describe('the pull-request plan compares base and head by id', () => {
  it.each([
    { edit: 'the id: line removed', head: [file('clusters/web.yaml', yaml(null))], files: modified, state: 'success', description: /^web: id cluster_web restored; no changes$/ },
    { edit: 'another id under the same name', head: [file('clusters/web.yaml', yaml('cluster_new'))], files: modified, state: 'success', description: /^destructive: web replaces cluster cluster_web with new cluster cluster_new: deletes 1 VM \(node_001\), creates 1/ },
    { edit: 'a changed provider', head: [file('clusters/web.yaml', yaml('cluster_web', { provider: 'aws', region: 'us-east-1' }))], files: modified, state: 'failure', description: /^web: refused: ImmutableFieldChanged$/ },
    { edit: 'a changed organization', head: [file('clusters/web.yaml', yaml('cluster_web', { organizationId: 'org_other' }))], files: modified, state: 'failure', description: /^web: refused: ImmutableFieldChanged$/ },
    {
      edit: 'a move into a sub-folder',
      head: [file('clusters/eu/web.yaml', yaml('cluster_web'))],
      files: [{ filename: 'clusters/eu/web.yaml', previousFilename: 'clusters/web.yaml', status: 'renamed' } as PullFile],
      state: 'failure',
      description: /^web: invalid manifest$/,
    },
  ])('$edit → plan $state', ({ head, files, state, description }) => {
    const r = report(head, files);

    expect(r.plan.state).toBe(state);
    expect(r.plan.description).toMatch(description);
  });

  it('plans no deletion while the head has an error under clusters/, and the plan keeps the record’s organization', () => {
    const moved = report([file('clusters/.web.yaml', yaml('cluster_web'))], [{ filename: 'clusters/.web.yaml', previousFilename: 'clusters/web.yaml', status: 'renamed' } as PullFile]);
    expect(moved.clusters).toEqual([]);
    expect(moved.comment).toContain('clusterops deletes no cluster');

    const org = report([file('clusters/web.yaml', yaml('cluster_web', { organizationId: 'org_other' }))], modified);
    expect(org.clusters.map((c) => c.organizationId)).toEqual(['org_abc123']);
  });
});
