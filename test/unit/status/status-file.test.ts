import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../../src/domain/plan/types.js';
import { renderStatusFile, statusFingerprint, statusPath, statusSummary, type StatusDocument } from '../../../src/status/status-file.js';

function doc(over: Partial<StatusDocument> = {}, nodes: NodeStatus[] = ['running', 'running']): StatusDocument {
  return {
    id: 'cluster_web001',
    name: 'web',
    status: 'running',
    nodes: nodes.map((status, i) => ({ id: `node_00${i + 1}`, role: 'worker', plan: 'small', ip: `10.0.0.${i + 1}`, status })),
    desiredNodes: nodes.length,
    conditions: [{ type: 'Ready', status: true, reason: 'Converged', message: `${nodes.length}/${nodes.length} nodes running` }],
    lastError: null,
    observedRevision: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    updatedAt: '2026-03-01T10:00:00.000Z',
    ...over,
  };
}

describe('status file', () => {
  it.each<{ name: string; given: StatusDocument | null; summary: string }>([
    { name: 'removed', given: null, summary: 'deleted' },
    { name: 'running', given: doc(), summary: 'running, 2/2 nodes running' },
    { name: 'provisioning, one of three up', given: doc({ status: 'provisioning', desiredNodes: 3 }, ['running', 'provisioning']), summary: 'provisioning, 1/3 nodes running' },
    { name: 'with an error', given: doc({ status: 'error', lastError: 'server limit reached' }), summary: 'error, 2/2 nodes running (server limit reached)' },
    { name: 'with a long error, cut at 80 characters', given: doc({ status: 'updating', lastError: 'x'.repeat(100) }), summary: `updating, 2/2 nodes running (${'x'.repeat(79)}…)` },
    { name: 'with an error of exactly 80 characters', given: doc({ status: 'updating', lastError: 'y'.repeat(80) }), summary: `updating, 2/2 nodes running (${'y'.repeat(80)})` },
  ])('summary: $name', ({ given, summary }) => {
    expect(statusSummary(given)).toBe(summary);
  });

  it.each<{ name: string; changed: StatusDocument | null; same: boolean }>([
    { name: 'identical', changed: doc(), same: true },
    { name: 'a new observed revision', changed: doc({ observedRevision: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' }), same: true },
    { name: 'a new updatedAt', changed: doc({ updatedAt: '2026-03-02T10:00:00.000Z' }), same: true },
    { name: 'a node status', changed: doc({}, ['running', 'unhealthy']), same: false },
    { name: 'the cluster status', changed: doc({ status: 'degraded' }), same: false },
    { name: 'a condition message', changed: doc({ conditions: [{ type: 'Ready', status: true, reason: 'Converged', message: 'other' }] }), same: false },
    { name: 'the last error', changed: doc({ lastError: 'boom' }), same: false },
    { name: 'the desired node count', changed: doc({ desiredNodes: 3 }), same: false },
    { name: 'the name', changed: doc({ name: 'web2' }), same: false },
    { name: 'removal', changed: null, same: false },
  ])('fingerprint ignores only revision and time: $name → same: $same', ({ changed, same }) => {
    expect(statusFingerprint(changed) === statusFingerprint(doc())).toBe(same);
  });

  it('renders a marked YAML document that parses back to the same status', () => {
    const given = doc({ lastError: 'a: b # not a comment' });

    const text = renderStatusFile(given);

    expect(text.startsWith('# Written by clusterops')).toBe(true);
    expect(parse(text)).toEqual(given);
    expect(statusPath('web')).toBe('status/web.yaml');
  });
});
