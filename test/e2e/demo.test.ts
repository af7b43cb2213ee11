import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreData } from '../../src/store/types.js';
import { CLI, runBinAsync } from '../support/cli.js';
import { pushOneMoreProductionWorker } from '../support/demo-repo.js';

// What `npm start` runs, as a process: the embedded default on the simulated cloud.
describe('clusterops serve --demo (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clusterops-demo-'));
  let proc: ChildProcess;
  let url = '';
  let output = '';

  const state = (): StoreData | null => {
    try {
      return JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as StoreData;
    } catch {
      return null;
    }
  };
  const waitFor = async (what: string, check: () => boolean, ms = 30_000) => {
    for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) if (check()) return;
    throw new Error(`timed out waiting for ${what}\n${output}`);
  };
  const running = (id: string, n: number) => {
    const s = state()?.clusters[id]?.status;
    return s?.status === 'running' && s.nodes.filter((x) => x.status === 'running').length === n;
  };

  beforeAll(async () => {
    proc = spawn(process.execPath, [CLI, 'serve', '--demo', '--port', '0', '--sim-boot-ms', '300', '--poll-interval', '1', '--log-format', 'pretty'], {
      env: { ...process.env, CLUSTEROPS_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor('the listening URL', () => /serving on (http:\/\/\S+)/.test(output));
    url = /serving on (http:\/\/\S+)/.exec(output)![1]!;
  });
  afterAll(() => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('converges the three example clusters in the simulated cloud and says so in the log', async () => {
    await waitFor('example clusters running', () => running('cluster_abc123', 3) && running('cluster_def456', 1) && running('cluster_ghi789', 5));
    expect(output).toMatch(/\[production\] running: 3\/3 nodes running/);
    // Nodes joined their orchestrators over SSH (the demo's simulated machines), not just booted.
    expect(output).toMatch(/\[staging\] initialised the swarm control plane on node_001/);
    expect(output).toMatch(/\[production\] joining 2 nodes/);
    expect(JSON.parse(readFileSync(join(dataDir, 'sim.json'), 'utf8')).endpoints.digitalocean).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
  });

  it('cluster.one reports each node joined and ready in its orchestrator, with the demo token', async () => {
    const token = readFileSync(join(dataDir, 'demo-token'), 'utf8').trim();
    const res = await fetch(`${url}/api/cluster.one?clusterId=cluster_ghi789`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const { nodes } = ((await res.json()) as { result: { data: { nodes: { id: string; status: string; orchestratorStatus: string }[] } } }).result.data;
    expect(nodes.map((n) => `${n.id}:${n.status}:${n.orchestratorStatus}`)).toEqual(['node_001', 'node_002', 'node_003', 'node_004', 'node_005'].map((id) => `${id}:running:ready`));
  });

  it('serves health and readiness on its port', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', repository: 'ok', poll: 'ok' }, failing: [] });
  });

  it('clusterops preflight --demo checks the running demo from another process, and changes nothing', async () => {
    const sim = JSON.parse(readFileSync(join(dataDir, 'sim.json'), 'utf8')) as { endpoints: Record<string, string> };
    // The simulated VMs of each provider (the state also holds rate-limit counters, which reads spend).
    const world = async () =>
      Promise.all(
        Object.values(sim.endpoints).map(async (e) => {
          const state = (await (await fetch(`${new URL(e).origin}/__sim/state`)).json()) as { droplets?: unknown; servers?: unknown; instances?: unknown };
          return JSON.stringify(state.droplets ?? state.servers ?? state.instances);
        }),
      );
    const before = await world();
    const r = await runBinAsync(['preflight', '--demo'], { env: { ...process.env, CLUSTEROPS_DATA_DIR: dataDir } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('✗'))).toEqual([]);
    // The owner id comes from the daemon's state file: its droplets count as its own.
    expect(lines).toContain("✓ digitalocean: droplet limit 25: 3 in use (3 of them clusterops'), room for 22; the manifests need 0 more");
    expect(lines).toContainEqual(expect.stringMatching(/^✓ aws: may call RunInstances \(with tags\) in us-east-1 \(DryRun\)$/));
    expect(await world()).toEqual(before);
  });

  it('follows the clone, edit, push loop of the README', async () => {
    pushOneMoreProductionWorker(dataDir);
    await waitFor('production at 4 nodes', () => running('cluster_abc123', 4));
    expect(state()!.clusters.cluster_abc123!.status!.nodes.map((n) => n.id)).toEqual(['node_001', 'node_002', 'node_003', 'node_004']);
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('shutting down');
  });
});
