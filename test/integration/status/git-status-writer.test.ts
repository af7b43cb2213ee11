import { parse } from 'yaml';
import { describe, it as base } from 'vitest';
import type { NodeStatus } from '../../../src/domain/plan/types.js';
import type { ClusterStatus } from '../../../src/domain/status/types.js';
import type { Logger } from '../../../src/logger.js';
import type { CommitChange, GitSource } from '../../../src/sources/git-source.js';
import { createGitStatusWriter, type StatusWriter } from '../../../src/status/git-status-writer.js';
import type { StatusDocument } from '../../../src/status/status-file.js';
import type { ClusterRecord } from '../../../src/store/types.js';
import { createGitFixture, manifest, type GitFixture } from '../sources/git-fixture.js';

const BOT = { name: 'clusterops status', email: 'status@clusterops.test' };

/** A logger that keeps warnings, so a test can tell a silently failed commit from a skipped one. */
function warningsLogger(warnings: string[]): Logger {
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields, message) => void warnings.push(message),
    error: (_fields, message) => void warnings.push(message),
    child: () => log,
  };
  return log;
}

interface RecordOptions {
  id?: string;
  name?: string;
  revision?: string;
  updatedAt?: string;
  lastError?: string | null;
}

/** A cluster record whose last status has one node per entry of `nodes`. */
function record(nodes: NodeStatus[], opts: RecordOptions = {}): ClusterRecord {
  const revision = opts.revision ?? 'a'.repeat(40);
  const running = nodes.filter((s) => s === 'running').length;
  const status: ClusterStatus = running === nodes.length ? 'running' : nodes.some((s) => s === 'provisioning') ? 'provisioning' : 'degraded';
  const progress = `${running}/${nodes.length} nodes running`;
  return {
    id: opts.id ?? 'cluster_web001',
    name: opts.name ?? 'web',
    organizationId: 'org_abc123',
    provider: 'hetzner',
    region: 'fsn1',
    orchestrator: 'swarm',
    createdAt: '2026-03-01T10:00:00.000Z',
    lastNodeNumber: nodes.length,
    initialized: true,
    intents: [],
    status: {
      status,
      conditions: [
        { type: 'Ready', status: status === 'running', reason: status === 'running' ? 'Converged' : 'Progressing', message: progress, observedRevision: revision },
        { type: 'Reconciling', status: status === 'provisioning', reason: 'Progressing', message: progress, observedRevision: revision },
        { type: 'Stalled', status: false, reason: 'Progressing', message: '', observedRevision: revision },
      ],
      nodes: nodes.map((s, i) => ({ id: `node_00${i + 1}`, role: i === 0 ? 'manager' : 'worker', plan: 'small', ip: `10.0.0.${i + 1}`, status: s })),
      observedRevision: revision,
      lastError: opts.lastError ?? null,
      desiredNodes: nodes.length,
    },
    updatedAt: opts.updatedAt ?? '2026-03-01T10:00:00.000Z',
    events: [],
  };
}

/** One bare remote seeded with two manifests, a source over it, and helpers to read the remote. */
interface World {
  fx: GitFixture;
  source: GitSource;
  seeded: string;
  warnings: string[];
  writer(over?: { source?: GitSource; branch?: string; commit?: (c: CommitChange) => ReturnType<GitSource['commit']> }): StatusWriter;
  head(branch?: string): string;
  /** Subjects of the commits on `branch` after `since`, oldest first. */
  subjectsSince(since: string, branch?: string): string[];
  statusFiles(branch?: string): string[];
  statusDoc(name: string, branch?: string): StatusDocument;
  nodeStatuses(name: string): NodeStatus[];
}

async function createWorld(): Promise<World> {
  const fx = createGitFixture();
  const seeded = fx.push({ 'clusters/web.yaml': manifest('web'), 'clusters/api.yaml': manifest('api') }, 'seed');
  const source = fx.source();
  await source.open();
  const warnings: string[] = [];
  const lines = (text: string) => text.split('\n').filter((l) => l !== '');
  const world: World = {
    fx,
    source,
    seeded,
    warnings,
    writer: (over = {}) => {
      const target = over.source ?? source;
      return createGitStatusWriter({
        commit: over.commit ?? ((change) => target.commit(change)),
        author: BOT,
        log: warningsLogger(warnings),
        ...(over.branch ? { branch: over.branch } : {}),
      });
    },
    head: (branch = 'main') => fx.remote('rev-parse', `refs/heads/${branch}`).trim(),
    subjectsSince: (since, branch = 'main') => lines(fx.remote('log', '--reverse', '--format=%s', `${since}..${branch}`)),
    statusFiles: (branch = 'main') => lines(fx.remote('ls-tree', '-r', '--name-only', branch)).filter((p) => p.startsWith('status/')),
    statusDoc: (name, branch = 'main') => parse(fx.remote('show', `${branch}:status/${name}.yaml`)) as StatusDocument,
    nodeStatuses: (name) => world.statusDoc(name).nodes.map((n) => n.status),
  };
  return world;
}

/** Every test gets its own remote, so the tests run concurrently. */
const it = base.extend<{ world: World }>({
  world: async ({}, use) => {
    const world = await createWorld();
    await use(world);
    world.fx.cleanup();
  },
});

describe.concurrent('git status writer', { timeout: 30_000 }, () => {
  it('commits status/<name>.yaml with a status(<name>) message marked to skip CI', async ({ world, expect }) => {
    const { fx, seeded, warnings, writer, subjectsSince, statusFiles, statusDoc, nodeStatuses } = world;
    const w = writer();

    w.publish(record(['running', 'running'], { revision: seeded }), false);
    await w.flush();

    expect(subjectsSince(seeded)).toEqual(['status(web): running, 2/2 nodes running [skip ci]']);
    expect(fx.remote('log', '-1', '--format=%an <%ae>', 'main').trim()).toBe('clusterops status <status@clusterops.test>');
    expect(statusFiles()).toEqual(['status/web.yaml']);
    expect(statusDoc('web')).toMatchObject({ id: 'cluster_web001', name: 'web', status: 'running', desiredNodes: 2, observedRevision: seeded, lastError: null });
    expect(nodeStatuses('web')).toEqual(['running', 'running']);
    expect(fx.remote('show', 'main:clusters/web.yaml')).toBe(manifest('web'));
    expect(warnings).toEqual([]);
  });

  it('makes no commit when only the revision and time changed, and one when a node changed', async ({ world, expect }) => {
    const { warnings, writer, head, subjectsSince, nodeStatuses } = world;
    const w = writer();
    w.publish(record(['running', 'running']), false);
    await w.flush();
    const first = head();

    w.publish(record(['running', 'running'], { revision: first, updatedAt: '2026-03-01T11:00:00.000Z' }), false);
    await w.flush();
    expect(head()).toBe(first);

    w.publish(record(['running', 'unhealthy'], { revision: first }), false);
    await w.flush();
    expect(subjectsSince(first)).toEqual(['status(web): degraded, 1/2 nodes running [skip ci]']);
    expect(nodeStatuses('web')).toEqual(['running', 'unhealthy']);
    expect(warnings).toEqual([]);
  });

  it('coalesces rapid publishes of one cluster; the last state wins', async ({ world, expect }) => {
    const { seeded, writer, subjectsSince, nodeStatuses } = world;
    const w = writer();
    const states: NodeStatus[][] = [['provisioning'], ['running'], ['running', 'provisioning'], ['running', 'running'], ['running', 'running', 'provisioning'], ['running', 'running', 'running']];

    for (const nodes of states) w.publish(record(nodes), false);
    await w.flush();

    const subjects = subjectsSince(seeded);
    expect(subjects.length).toBeGreaterThanOrEqual(1);
    expect(subjects.length).toBeLessThan(states.length);
    expect(subjects.at(-1)).toBe('status(web): running, 3/3 nodes running [skip ci]');
    expect(nodeStatuses('web')).toEqual(['running', 'running', 'running']);
  });

  it('lands the latest state when it reverts to what Git held while a commit was under way', async ({ world, expect }) => {
    const { writer, statusDoc, nodeStatuses } = world;
    const w = writer();
    w.publish(record(['running', 'running']), false);
    await w.flush();

    // The unhealthy status is being committed when the node recovers.
    w.publish(record(['running', 'unhealthy']), false);
    w.publish(record(['running', 'running'], { revision: 'b'.repeat(40) }), false);
    await w.flush();

    expect(nodeStatuses('web')).toEqual(['running', 'running']);
    expect(statusDoc('web').status).toBe('running');
  });

  it('coalesces per cluster: a busy cluster never holds back another', async ({ world, expect }) => {
    const { writer, statusFiles, nodeStatuses } = world;
    const w = writer();

    w.publish(record(['provisioning']), false);
    w.publish(record(['running']), false);
    w.publish(record(['running', 'running'], { id: 'cluster_api001', name: 'api' }), false);
    await w.flush();

    expect(statusFiles()).toEqual(['status/api.yaml', 'status/web.yaml']);
    expect(nodeStatuses('web')).toEqual(['running']);
    expect(nodeStatuses('api')).toEqual(['running', 'running']);
  });

  it('moves the file when the cluster is renamed', async ({ world, expect }) => {
    const { writer, head, subjectsSince, statusFiles, statusDoc } = world;
    const w = writer();
    w.publish(record(['running']), false);
    await w.flush();
    const before = head();

    w.publish(record(['running'], { name: 'web-eu' }), false);
    await w.flush();

    expect(subjectsSince(before)).toEqual(['status(web-eu): running, 1/1 nodes running [skip ci]']);
    expect(statusFiles()).toEqual(['status/web-eu.yaml']);
    expect(statusDoc('web-eu')).toMatchObject({ id: 'cluster_web001', name: 'web-eu' });
  });

  it('deletes the file when the cluster is removed, once', async ({ world, expect }) => {
    const { writer, head, subjectsSince, statusFiles } = world;
    const w = writer();
    w.publish(record(['running']), false);
    w.publish(record(['running'], { id: 'cluster_api001', name: 'api' }), false);
    await w.flush();
    const before = head();

    w.publish(record(['running']), true);
    await w.flush();
    w.publish(record(['running']), true);
    await w.flush();

    expect(subjectsSince(before)).toEqual(['status(web): deleted [skip ci]']);
    expect(statusFiles()).toEqual(['status/api.yaml']);
  });

  it('publish resolves true once Git holds the status (a removal too), false when its commit failed — the reconciler keeps a deleted cluster’s record until then', async ({ world, expect }) => {
    const { source, statusFiles } = world;
    let fail = false;
    const w = world.writer({ commit: (change) => (fail ? Promise.reject(new Error('push rejected')) : source.commit(change)) });
    const written = w.publish(record(['running']), false);
    // A coalesced publish of the same state shares the commit's fate.
    expect(await Promise.all([written, w.publish(record(['running']), false)])).toEqual([true, true]);
    expect(statusFiles()).toEqual(['status/web.yaml']);
    fail = true;
    expect(await w.publish(record(['running']), true)).toBe(false);
    expect(statusFiles()).toEqual(['status/web.yaml']);
    fail = false;
    expect(await w.publish(record(['running']), true)).toBe(true);
    expect(statusFiles()).toEqual([]);
    // Nothing to change: resolves at once.
    expect(await w.publish(record(['running']), true)).toBe(true);
  });

  it('after a restart, makes no commit for a status Git already holds', async ({ world, expect }) => {
    const { fx, warnings, writer, head, subjectsSince } = world;
    const first = writer();
    first.publish(record(['running', 'running']), false);
    await first.flush();
    const before = head();

    const restartedSource = fx.source();
    await restartedSource.open();
    const restarted = writer({ source: restartedSource });
    restarted.publish(record(['running', 'running'], { revision: before, updatedAt: '2026-03-02T09:00:00.000Z' }), false);
    restarted.publish(record(['running'], { id: 'cluster_gone01', name: 'gone' }), true);
    await restarted.flush();
    expect(head()).toBe(before);

    restarted.publish(record(['running', 'error'], { revision: before }), false);
    await restarted.flush();
    expect(subjectsSince(before)).toEqual(['status(web): degraded, 1/2 nodes running [skip ci]']);
    expect(warnings).toEqual([]);
  });

  it('retries a failed commit on the next publish of the same status', async ({ world, expect }) => {
    const { source, seeded, warnings, writer, head, subjectsSince } = world;
    let failNext = true;
    const w = writer({
      commit: (change) => {
        if (!failNext) return source.commit(change);
        failNext = false;
        return Promise.reject(new Error('push rejected'));
      },
    });

    w.publish(record(['running']), false);
    await w.flush();
    expect(head()).toBe(seeded);
    expect(warnings).toHaveLength(1);

    w.publish(record(['running']), false);
    await w.flush();
    expect(subjectsSince(seeded)).toEqual(['status(web): running, 1/1 nodes running [skip ci]']);
  });

  it('writes to a separate status branch when configured, leaving the tracked branch alone', async ({ world, expect }) => {
    const { fx, seeded, writer, head, statusFiles, statusDoc } = world;
    const w = writer({ branch: 'clusterops-status' });

    w.publish(record(['running']), false);
    await w.flush();

    expect(head()).toBe(seeded);
    expect(statusFiles('clusterops-status')).toEqual(['status/web.yaml']);
    expect(statusDoc('web', 'clusterops-status').status).toBe('running');
    expect(fx.remote('log', '-1', '--format=%s', 'clusterops-status').trim()).toBe('status(web): running, 1/1 nodes running [skip ci]');
  });
});
