import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAG } from '../../src/providers/ownership.js';
import { startSimCloud, type SimCloud } from '../../src/sim/cloud.js';
import type { StoreData } from '../../src/store/types.js';
import { group, manifest, simEnv, TestRepo } from '../integration/reconcile/harness.js';
import { CLI } from '../support/cli.js';

const RUNS = Number(process.env.CLUSTEROPS_CRASH_RUNS ?? 20);

/** What the repository declares: cluster → the exact `node:role/plan` set expected at the end. */
const FIRST = {
  'clusters/web.yaml': manifest('web', { id: 'cluster_web', groups: [group('manager', 'small', 1), group('worker', 'small', 4)].join('\n') }),
  'clusters/api.yaml': manifest('api', { id: 'cluster_api', provider: 'hetzner', region: 'nbg1', orchestrator: 'swarm', groups: [group('manager', 'small', 1), group('worker', 'small', 2)].join('\n') }),
  'clusters/etl.yaml': manifest('etl', { id: 'cluster_etl', provider: 'aws', region: 'us-east-1', groups: [group('manager', 'small', 1), group('worker', 'medium', 2)].join('\n') }),
};
const SECOND = {
  ...FIRST,
  'clusters/web.yaml': manifest('web', { id: 'cluster_web', groups: [group('manager', 'small', 1), group('worker', 'small', 2, ['node_003'])].join('\n') }),
  'clusters/api.yaml': manifest('api', { id: 'cluster_api', provider: 'hetzner', region: 'nbg1', orchestrator: 'swarm', groups: [group('manager', 'small', 1), group('worker', 'power', 2)].join('\n') }),
  'clusters/etl.yaml': null,
};
const EXPECTED_FIRST: Record<string, number> = { cluster_web: 5, cluster_api: 3, cluster_etl: 3 };
const EXPECTED_SECOND: Record<string, number> = { cluster_web: 3, cluster_api: 3 };

describe(`crash safety: SIGKILL at random points, ${RUNS} runs`, () => {
  let sim: SimCloud;
  beforeAll(async () => {
    // Every run leaves its VMs behind in one account: its droplet limit raised, as its owner would ask DigitalOcean to.
    sim = await startSimCloud({ bootMs: 150, deleteMs: 50, listingLagMs: 1_000, digitalocean: { dropletLimit: 10_000 } });
  });
  afterAll(async () => {
    await sim.close();
  });

  const startDaemon = (repo: TestRepo, dataDir: string): ChildProcess =>
    spawn(process.execPath, [CLI, 'serve', '--repo', repo.remote, '--data-dir', dataDir, '--port', '0', '--poll-interval', '1', '--log-level', process.env.CRASH_LOG_LEVEL ?? 'error', '--log-format', 'json'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...simEnv(sim),
        CLUSTEROPS_REQUEUE_MS: '100',
        CLUSTEROPS_STATUS_COMMITS: 'false',
        CLUSTEROPS_ORCHESTRATION: 'vm-only',
      },
    });

  const kill = async (p: ChildProcess) => {
    if (p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await gone;
  };

  /** The VMs this run's daemon owns, as `cluster node:role/plan`. */
  const owned = (owner: string) =>
    Object.values(sim.emulators)
      .flatMap((e) => e.vms())
      .filter((v) => v.tags[TAG.owner] === owner)
      .map((v) => ({ cluster: v.tags[TAG.cluster]!, node: `${v.tags[TAG.node]}:${v.tags[TAG.role]}/${v.tags[TAG.plan]}` }));

  const store = (dataDir: string): StoreData | null => {
    try {
      return JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as StoreData;
    } catch {
      return null;
    }
  };

  /** Kills the daemon 1–3 times at random moments, then lets it run until the world matches. */
  async function convergeThroughCrashes(repo: TestRepo, dataDir: string, expected: Record<string, number>, random: () => number) {
    const kills = 1 + Math.floor(random() * 3);
    for (let i = 0; i < kills; i++) {
      const p = startDaemon(repo, dataDir);
      await sleep(300 + random() * 1500);
      await kill(p);
    }
    const p = startDaemon(repo, dataDir);
    try {
      const until = Date.now() + 30_000;
      for (;;) {
        const data = store(dataDir);
        const owner = data?.instanceId ?? '';
        const vms = owned(owner);
        const byCluster = new Map<string, number>();
        for (const v of vms) byCluster.set(v.cluster, (byCluster.get(v.cluster) ?? 0) + 1);
        const settled =
          data !== null &&
          Object.entries(expected).every(([id, n]) => byCluster.get(id) === n && data.clusters[id]?.status?.status === 'running' && data.clusters[id]!.intents.length === 0) &&
          [...byCluster.keys()].every((id) => id in expected) &&
          Object.keys(data.clusters).every((id) => id in expected);
        if (settled) return { owner, vms };
        if (Date.now() > until) {
          const state = Object.values(data?.clusters ?? {}).map((c) => ({ id: c.id, status: c.status?.status, error: c.status?.lastError, nodes: c.status?.nodes.map((n) => `${n.id}:${n.status}`), intents: c.intents }));
          throw new Error(`did not converge: ${JSON.stringify([...byCluster])} ${JSON.stringify(state)}`);
        }
        await sleep(100);
      }
    } finally {
      await kill(p);
    }
  }

  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))('run %i ends with exactly the declared nodes, no duplicates, no orphans', async (run) => {
    let seed = run * 7919;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const repo = new TestRepo();
    const dataDir = mkdtempSync(join(tmpdir(), `clusterops-crash-${run}-`));
    try {
      repo.push(FIRST, 'three clusters');
      const first = await convergeThroughCrashes(repo, dataDir, EXPECTED_FIRST, random);
      const nodes = (c: string) => first.vms.filter((v) => v.cluster === c).map((v) => v.node).sort();
      expect(nodes('cluster_web')).toEqual(['node_001:manager/small', 'node_002:worker/small', 'node_003:worker/small', 'node_004:worker/small', 'node_005:worker/small']);
      expect(nodes('cluster_api')).toEqual(['node_001:manager/small', 'node_002:worker/small', 'node_003:worker/small']);
      expect(nodes('cluster_etl')).toEqual(['node_001:manager/small', 'node_002:worker/medium', 'node_003:worker/medium']);

      repo.push(SECOND, 'shrink web, bigger api workers, delete etl');
      const second = await convergeThroughCrashes(repo, dataDir, EXPECTED_SECOND, random);
      const web = second.vms.filter((v) => v.cluster === 'cluster_web').map((v) => v.node).sort();
      expect(web).toHaveLength(3);
      expect(web).not.toContain('node_003:worker/small');
      const api = second.vms.filter((v) => v.cluster === 'cluster_api').map((v) => v.node).sort();
      expect(api.filter((n) => n.endsWith('worker/power'))).toHaveLength(2);
      expect(new Set(second.vms.map((v) => `${v.cluster}/${v.node.split(':')[0]}`)).size).toBe(second.vms.length);
      expect(second.vms.some((v) => v.cluster === 'cluster_etl')).toBe(false);
      expect(existsSync(join(dataDir, 'state.json'))).toBe(true);
    } finally {
      repo.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
