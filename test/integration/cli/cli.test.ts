import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import { runBin } from '../../support/cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const exampleRepo = join(root, 'example-repo');
const temp = mkdtempSync(join(tmpdir(), 'clusterops-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('clusterops validate', () => {
  it('accepts example-repo (the real binary, exit 0)', () => {
    const r = runBin(['validate', exampleRepo]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('3 cluster manifests valid');
    expect(r.code).toBe(0);
  });

  it('defaults to the current directory', () => {
    expect(runBin(['validate'], exampleRepo).code).toBe(0);
  });

  it('prints JSON for machines', async () => {
    const r = await run(['validate', exampleRepo, '--format', 'json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.valid).toBe(true);
    expect(body.clusters.map((c: { name: string }) => c.name)).toEqual(['analytics', 'production', 'staging']);
    expect(body.diagnostics).toEqual([]);
  });

  it('prints JSON diagnostics with positions and exits 1 on a broken repository', async () => {
    const repo = join(temp, 'broken-json');
    mkdirSync(join(repo, 'clusters'), { recursive: true });
    writeFileSync(join(repo, 'clusters/web.yaml'), 'name: web\n');
    const r = await run(['validate', repo, '--format', 'json']);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out);
    expect(body.valid).toBe(false);
    expect(body.diagnostics).toContainEqual({ file: 'clusters/web.yaml', line: 1, column: 1, path: 'region', severity: 'error', code: 'schema', message: 'region is required' });
  });

  it('prints warnings but still exits 0', async () => {
    const repo = join(temp, 'warn');
    cpSync(exampleRepo, repo, { recursive: true, dereference: true });
    writeFileSync(join(repo, 'clusters/analytics.yaml'), (await import('node:fs')).readFileSync(join(exampleRepo, 'clusters/analytics.yaml'), 'utf8').replace('count: 3', 'count: 4'));
    const r = await run(['validate', repo]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('clusters/analytics.yaml:13:12: warning: kubernetes control plane has an even number of managers (4)');
  });

  it.each([
    [['validate', '--format', 'xml'], 2, '--format must be one of text, json, not "xml"'],
    [['validate', 'a', 'b'], 2, 'expected at most one repo-dir, got 2'],
    [['validate', '--colour'], 2, "Unknown option '--colour'"],
    [['frobnicate'], 2, 'unknown command "frobnicate"'],
    [['validate', '/nonexistent/repo'], 1, '/nonexistent/repo has no clusters/ folder'],
  ])('%j exits %i with a clear message', async (argv, code, message) => {
    const r = await run(argv);
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
  });

  it('shows usage on help', async () => {
    const r = await run(['help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('clusterops <command>');
  });
});

describe('clusterops plan', () => {
  it('plans every example cluster from an empty cloud, and exits 2 because something would change', async () => {
    const r = await run(['plan', exampleRepo, '--data-dir', join(temp, 'no-state')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('planning from an empty cloud');
    expect(r.out).toContain('Cluster production (cluster_abc123)');
    expect(r.out.match(/\+ create node_\d+/g)).toHaveLength(3 + 1 + 5);
    expect(r.out).toContain('init node_001');
  });

  it('renders markdown and JSON', async () => {
    const md = await run(['plan', exampleRepo, '--format', 'markdown']);
    expect(md.out).toMatch(/\| Action \| Node \| Role \| Plan \| Reason \|/);
    const json = JSON.parse((await run(['plan', exampleRepo, '--format', 'json'])).out);
    expect(json).toHaveLength(3);
    expect(json[1].actions[0]).toMatchObject({ type: 'createNode', nodeId: 'node_001', role: 'manager', plan: 'medium' });
  });

  it('plans against the state the daemon observed: no changes exits 0, a difference exits 2', async () => {
    const node = (id: string, role: string, plan: string) => ({ id, role, plan, ip: '203.0.113.10', status: 'running' });
    const record = (id: string, name: string, nodes: object[]) => ({ id, name, initialized: true, lastNodeNumber: nodes.length, intents: [], events: [], status: { status: 'running', nodes, conditions: [], observedRevision: 'x', lastError: null, desiredNodes: nodes.length } });
    const state = {
      version: 1,
      instanceId: 'co-test',
      clusters: {
        cluster_abc123: record('cluster_abc123', 'production', [node('node_001', 'manager', 'medium'), node('node_002', 'worker', 'small'), node('node_003', 'worker', 'small')]),
        cluster_def456: record('cluster_def456', 'staging', [node('node_001', 'manager', 'small')]),
        cluster_ghi789: record('cluster_ghi789', 'analytics', [1, 2, 3].map((i) => node(`node_00${i}`, 'manager', 'small')).concat([4, 5].map((i) => node(`node_00${i}`, 'worker', 'medium')))),
      },
    };
    const dataDir = join(temp, 'state');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'state.json'), JSON.stringify(state));
    const same = await run(['plan', exampleRepo, '--data-dir', dataDir]);
    expect(same.err).toContain('planning against the state observed in');
    expect(same.out).toContain('No changes. Cluster production matches its manifest.');
    expect(same.code).toBe(0);
    state.clusters.cluster_abc123.status.nodes.pop();
    writeFileSync(join(dataDir, 'state.json'), JSON.stringify(state));
    const differs = await run(['plan', exampleRepo, '--data-dir', dataDir]);
    expect(differs.code).toBe(2);
    expect(differs.out).toContain('+ create node_004 (worker, small)');
  });

  it('plans a manifest whose id: line was removed against its cluster, and refuses a changed provider', async () => {
    const repo = join(temp, 'identity');
    mkdirSync(join(repo, 'clusters'), { recursive: true });
    const text = (provider: string, region: string) =>
      `organizationId: org_abc123\nname: web\nprovider: ${provider}\nregion: ${region}\norchestrator: swarm\nnodes:\n  - role: manager\n    plan: small\n    count: 1\n`;
    const nodes = [{ id: 'node_001', role: 'manager', plan: 'small', ip: '203.0.113.10', status: 'running' }];
    const web = { id: 'cluster_web', name: 'web', organizationId: 'org_abc123', provider: 'hetzner', region: 'fsn1', orchestrator: 'swarm', initialized: true, lastNodeNumber: 1, intents: [], events: [], status: { status: 'running', nodes, conditions: [], observedRevision: 'x', lastError: null, desiredNodes: 1 } };
    const dataDir = join(temp, 'identity-state');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'state.json'), JSON.stringify({ version: 1, instanceId: 'co-test', clusters: { cluster_web: web } }));

    writeFileSync(join(repo, 'clusters/web.yaml'), text('hetzner', 'fsn1'));
    const restored = await run(['plan', repo, '--data-dir', dataDir]);
    expect(restored.out).toContain('Cluster web (cluster_web):');
    expect(restored.out).toContain('`id:` was removed: on merge clusterops commits `id: cluster_web` back');
    expect(restored.out).not.toContain('+ create');
    expect(restored.code).toBe(0);

    writeFileSync(join(repo, 'clusters/web.yaml'), `id: cluster_web\n${text('aws', 'us-east-1')}`);
    const moved = await run(['plan', repo, '--data-dir', dataDir]);
    expect(moved.out).toContain('Error: ImmutableFieldChanged: provider changed from hetzner to aws');
    expect(moved.out).not.toContain('+ create');
    expect(moved.code).toBe(1);
  });

  it('still plans the valid clusters when one manifest is broken, and exits 1', async () => {
    const repo = join(temp, 'mixed');
    cpSync(exampleRepo, repo, { recursive: true, dereference: true });
    writeFileSync(join(repo, 'clusters/staging.yaml'), 'name: staging\nprovider: gcp\n');
    const r = await run(['plan', repo]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('clusters/staging.yaml:2:11: provider must be one of digitalocean, hetzner, aws, not "gcp"');
    expect(r.out).toContain('Cluster production');
    expect(r.out).not.toContain('Cluster staging');
  });
});
