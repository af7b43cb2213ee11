import { describe, expect, it } from 'vitest';
import { detectIndentSeq, editManifest, type ManifestEdit } from '../../../../src/domain/manifest/edit.js';
import { parseManifest } from '../../../../src/domain/manifest/parse.js';

// A hand-written manifest with comments everywhere a person puts them.
const handWritten = `# yaml-language-server: $schema=../schemas/cluster.schema.json
# Production cluster, owned by the platform team.
apiVersion: clusterops/v1
organizationId: org_abc123 # the platform org
name: production

# Where it runs
provider: digitalocean
region: sfo3
orchestrator: kubernetes
nodes:
  - role: manager # control plane
    plan: medium
    count: 1
  # workers scale with traffic
  - role: worker
    plan: small
    count: 2
    remove: [node_002]
access:
  - userId: user_alice
    permission: manage # on call
`;

const edit = (text: string, ...edits: ManifestEdit[]) => {
  const r = editManifest(text, edits);
  if (!r.ok) throw new Error(r.message);
  return r.text;
};

describe('editManifest', () => {
  it('round-trips a hand-written file byte for byte when nothing changes', () => {
    const r = editManifest(handWritten, []);
    expect(r).toEqual({ ok: true, text: handWritten, changed: false });
  });

  it('round-trips the other sequence style too', () => {
    const flat = handWritten.replace(/^ {2}(-| {2})/gm, (m) => (m.trim() === '-' ? '-' : '  ')).replace(/^ {2}# workers/m, '# workers');
    expect(detectIndentSeq(flat)).toBe(false);
    expect(edit(flat)).toBe(flat);
  });

  it('inserts an assigned id after apiVersion, keeping every comment', () => {
    const out = edit(handWritten, { op: 'set', field: 'id', value: 'cluster_k3x9' });
    expect(out).toBe(handWritten.replace('apiVersion: clusterops/v1\n', 'apiVersion: clusterops/v1\nid: cluster_k3x9\n'));
  });

  it('inserts an id at the top when the file has no apiVersion, below the schema comment', () => {
    const noVersion = handWritten.replace('apiVersion: clusterops/v1\n', '');
    const out = edit(noVersion, { op: 'set', field: 'id', value: 'cluster_k3x9' });
    expect(out.split('\n').slice(0, 4)).toEqual([
      '# yaml-language-server: $schema=../schemas/cluster.schema.json',
      '# Production cluster, owned by the platform team.',
      'id: cluster_k3x9',
      'organizationId: org_abc123 # the platform org',
    ]);
  });

  it('renames in place', () => {
    const out = edit(handWritten, { op: 'set', field: 'name', value: 'production-us-east' });
    expect(out).toBe(handWritten.replace('name: production\n', 'name: production-us-east\n'));
  });

  it('changes a group count and keeps its comments', () => {
    const out = edit(handWritten, { op: 'setGroupCount', role: 'worker', plan: 'small', count: 5 });
    expect(out).toBe(handWritten.replace('    count: 2\n', '    count: 5\n'));
  });

  it('adds a missing group at the end of nodes', () => {
    const out = edit(handWritten, { op: 'setGroupCount', role: 'worker', plan: 'power', count: 1 });
    expect(out).toBe(handWritten.replace('    remove: [node_002]\n', '    remove: [node_002]\n  - role: worker\n    plan: power\n    count: 1\n'));
  });

  it('appends to remove: once, and creates remove: as a flow list', () => {
    const twice = edit(handWritten, { op: 'appendRemove', role: 'worker', plan: 'small', nodeId: 'node_003' }, { op: 'appendRemove', role: 'worker', plan: 'small', nodeId: 'node_003' });
    expect(twice).toBe(handWritten.replace('[node_002]', '[node_002, node_003]'));
    const created = edit(handWritten, { op: 'appendRemove', role: 'manager', plan: 'medium', nodeId: 'node_001' });
    expect(created).toBe(handWritten.replace('    count: 1\n', '    count: 1\n    remove: [node_001]\n'));
  });

  it('refuses to list a node under a group that does not exist', () => {
    expect(editManifest(handWritten, [{ op: 'appendRemove', role: 'manager', plan: 'nano', nodeId: 'node_001' }])).toEqual({
      ok: false,
      message: 'there is no manager group of plan nano',
    });
  });

  it('grants, changes and revokes access', () => {
    const granted = edit(handWritten, { op: 'setAccess', userId: 'user_bob', permission: 'read' });
    expect(granted).toBe(`${handWritten}  - userId: user_bob\n    permission: read\n`);
    const changed = edit(handWritten, { op: 'setAccess', userId: 'user_alice', permission: 'read' });
    expect(changed).toBe(handWritten.replace('permission: manage # on call', 'permission: read # on call'));
    const revoked = edit(granted, { op: 'removeAccess', userId: 'user_alice' });
    expect(revoked).toBe(handWritten.replace(/access:\n[\s\S]*$/, 'access:\n  - userId: user_bob\n    permission: read\n'));
    const none = edit(handWritten, { op: 'removeAccess', userId: 'user_alice' });
    expect(none).not.toContain('access');
    expect(none).toContain('# workers scale with traffic');
  });

  it('adds access: to a file without it, after nodes', () => {
    const bare = handWritten.replace(/access:\n[\s\S]*$/, '');
    const out = edit(bare, { op: 'setAccess', userId: 'user_bob', permission: 'manage' });
    expect(out).toBe(`${bare}access:\n  - userId: user_bob\n    permission: manage\n`);
  });

  it('keeps the result a valid manifest', () => {
    const out = edit(handWritten, { op: 'set', field: 'id', value: 'cluster_k3x9' }, { op: 'setGroupCount', role: 'worker', plan: 'small', count: 1 }, { op: 'appendRemove', role: 'worker', plan: 'small', nodeId: 'node_003' });
    expect(parseManifest('clusters/production.yaml', out).diagnostics).toEqual([]);
  });

  it('refuses to edit text that is not a YAML mapping and returns no text', () => {
    expect(editManifest('nodes: [\n', [{ op: 'set', field: 'name', value: 'x' }]).ok).toBe(false);
    expect(editManifest('- a\n', [{ op: 'set', field: 'name', value: 'x' }]).ok).toBe(false);
  });
});
