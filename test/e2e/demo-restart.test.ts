import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../src/domain/manifest/types.js';
import type { StoreData } from '../../src/store/types.js';
import { CLI } from '../support/cli.js';
import { pushOneMoreProductionWorker } from '../support/demo-repo.js';

/** The example clusters, each on its own provider, and the nodes their manifests declare. */
const CLUSTERS: Record<string, { provider: Provider; nodes: number }> = {
  cluster_abc123: { provider: 'digitalocean', nodes: 3 },
  cluster_def456: { provider: 'hetzner', nodes: 1 },
  cluster_ghi789: { provider: 'aws', nodes: 5 },
};

/** One run of `npm start`'s command on a data directory. */
class Demo {
  readonly proc: ChildProcess;
  output = '';

  /** `resync`: seconds between full passes over every cluster (the minimum, 10, to see several passes soon). */
  constructor(
    readonly dataDir: string,
    resync = 600,
    extra: string[] = [],
  ) {
    this.proc = spawn(process.execPath, [CLI, 'serve', '--demo', '--port', '0', '--sim-boot-ms', '300', '--poll-interval', '1', '--log-format', 'pretty', ...extra], {
      env: { ...process.env, CLUSTEROPS_DATA_DIR: dataDir, CLUSTEROPS_RESYNC_INTERVAL: String(resync) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  async waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
    for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) {
      if (this.proc.exitCode !== null) throw new Error(`the demo exited (${this.proc.exitCode}) while waiting for ${what}\n${this.output}`);
      if (await check()) return;
    }
    throw new Error(`timed out waiting for ${what}\n${this.output}`);
  }

  async started(): Promise<string> {
    await this.waitFor('the listening URL', () => /serving on (http:\/\/\S+)/.test(this.output));
    return /serving on (http:\/\/\S+)/.exec(this.output)![1]!;
  }

  async stop(signal: 'SIGTERM' | 'SIGINT' | 'SIGKILL'): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.proc.once('exit', (code) => resolve(code)));
    this.proc.kill(signal);
    return exited;
  }

  state(): StoreData | null {
    try {
      return JSON.parse(readFileSync(join(this.dataDir, 'state.json'), 'utf8')) as StoreData;
    } catch {
      return null;
    }
  }

  allRunning(): boolean {
    return Object.entries(CLUSTERS).every(([id, c]) => {
      const s = this.state()?.clusters[id]?.status;
      return s?.status === 'running' && s.nodes.length === c.nodes && s.nodes.every((n) => n.status === 'running');
    });
  }

  /** Per cluster, `node_id@ip` of every node, as clusterops reports them. */
  nodes(): Record<string, string[]> {
    return Object.fromEntries(Object.keys(CLUSTERS).map((id) => [id, (this.state()?.clusters[id]?.status?.nodes ?? []).map((n) => `${n.id}@${n.ip}`)]));
  }

  /** The emulators' origins of this run (sim.json is written at every start). */
  origins(): Record<Provider, string> {
    const { endpoints } = JSON.parse(readFileSync(join(this.dataDir, 'sim.json'), 'utf8')) as { endpoints: Record<Provider, string> };
    return Object.fromEntries(Object.entries(endpoints).map(([p, url]) => [p, new URL(url).origin])) as Record<Provider, string>;
  }

  /** VM create/delete/tag requests the simulated cloud received in this run, per provider. */
  async writes(): Promise<Record<Provider, number>> {
    const out = {} as Record<Provider, number>;
    for (const [p, origin] of Object.entries(this.origins())) out[p as Provider] = ((await (await fetch(`${origin}/__sim/requests`)).json()) as { writes: number }).writes;
    return out;
  }

  /** Per cluster tag, `node_id=provider id@ip` of every VM that exists and is not being deleted. */
  async vms(): Promise<Record<string, string[]>> {
    const origins = this.origins();
    const get = async (p: Provider) => (await (await fetch(`${origins[p]}/__sim/state`)).json()) as Record<string, { id: number | string; status: string; ip?: string | null; tags?: Record<string, string>; labels?: Record<string, string>; public_net?: { ipv4?: { ip: string } | null } }[]>;
    const all = [
      ...(await get('digitalocean')).droplets!.filter((d) => d.status !== 'off').map((d) => ({ id: String(d.id), ip: d.ip, tags: d.tags! })),
      ...(await get('hetzner')).servers!.filter((s) => s.status !== 'deleting').map((s) => ({ id: String(s.id), ip: s.public_net?.ipv4?.ip, tags: s.labels! })),
      ...(await get('aws')).instances!.filter((i) => i.status === 'pending' || i.status === 'running').map((i) => ({ id: String(i.id), ip: i.ip, tags: i.tags! })),
    ];
    const out: Record<string, string[]> = {};
    for (const vm of all) (out[vm.tags['clusterops-cluster'] ?? '(untagged)'] ??= []).push(`${vm.tags['clusterops-node']}=${vm.id}@${vm.ip}`);
    for (const list of Object.values(out)) list.sort();
    return out;
  }

  /** Reconcile passes this run finished, per provider (each example cluster has a provider of its own). */
  async passes(url: string): Promise<Record<string, number>> {
    const text = await (await fetch(`${url}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^clusterops_reconcile_total\{provider="(\w+)",result="\w+"\} (\d+)$/gm)) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
    return out;
  }

  /** Waits until every example cluster had `n` more passes in this run, and checks each stays running meanwhile. */
  async passesWhileRunning(url: string, n: number): Promise<void> {
    let notRunning = '';
    await this.waitFor(`${n} passes per cluster`, async () => {
      if (!this.allRunning()) notRunning ||= JSON.stringify(Object.fromEntries(Object.entries(this.state()?.clusters ?? {}).map(([id, c]) => [id, c.status?.status])));
      const passes = await this.passes(url);
      return Object.values(CLUSTERS).every((c) => (passes[c.provider] ?? 0) >= n);
    });
    expect(notRunning).toBe('');
  }
}

// A restart of `npm start` (issue 15): the simulated cloud and the machines behind it resume from
// <dataDir>/sim-state.json, so clusterops finds its fleet as it left it.
describe('restarting the demo (npm start, stopped, started again)', () => {
  const dirs: string[] = [];
  const demos: Demo[] = [];
  const start = (dataDir: string, resync?: number, extra?: string[]) => {
    const demo = new Demo(dataDir, resync, extra);
    demos.push(demo);
    return demo;
  };
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterops-demo-restart-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const d of demos) if (d.proc.exitCode === null) d.proc.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('after SIGTERM (and after SIGINT): zero provider writes, every cluster stays running, the same node ids, IPs and VMs', async () => {
    const dataDir = freshDir();
    const first = start(dataDir);
    await first.started();
    await first.waitFor('the example clusters running', () => first.allRunning());
    const nodes = first.nodes();
    const vms = await first.vms();
    expect(Object.values(vms).map((list) => list.length)).toEqual(Object.values(CLUSTERS).map((c) => c.nodes));
    expect(await first.stop('SIGTERM')).toBe(0);

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const again = start(dataDir, 10);
      const url = await again.started();
      // The pass at start, then two full resyncs: each lists the cloud and checks every node over SSH.
      await again.passesWhileRunning(url, 3);
      expect(again.nodes()).toEqual(nodes);
      expect(await again.vms()).toEqual(vms);
      expect(await again.writes()).toEqual({ digitalocean: 0, hetzner: 0, aws: 0 });
      expect(again.output).not.toMatch(/creating \d+ node|deleting \d+ node|initialised the/);
      expect(await again.stop(signal)).toBe(0);
    }
  }, 240_000);

  it('with --orchestration vm-only (no simulated machines): the same no-op restart', async () => {
    const dataDir = freshDir();
    const first = start(dataDir, 600, ['--orchestration', 'vm-only']);
    await first.started();
    await first.waitFor('the example clusters running', () => first.allRunning());
    const nodes = first.nodes();
    const vms = await first.vms();
    expect(await first.stop('SIGTERM')).toBe(0);

    const again = start(dataDir, 10, ['--orchestration', 'vm-only']);
    const url = await again.started();
    await again.passesWhileRunning(url, 2);
    expect(again.nodes()).toEqual(nodes);
    expect(await again.vms()).toEqual(vms);
    expect(await again.writes()).toEqual({ digitalocean: 0, hetzner: 0, aws: 0 });
    expect(await again.stop('SIGTERM')).toBe(0);
  }, 240_000);

  it('after SIGKILL in the middle of a scale-up: exactly the declared VMs, no duplicate, the old nodes untouched', async () => {
    const dataDir = freshDir();
    const first = start(dataDir);
    await first.started();
    await first.waitFor('the example clusters running', () => first.allRunning());
    const before = await first.vms();

    // production: one more worker, pushed the way the README shows.
    pushOneMoreProductionWorker(dataDir);
    // Killed as soon as the simulated cloud has taken the create: the VM exists, clusterops may not know yet.
    await first.waitFor('the create of the new worker', async () => (await first.writes()).digitalocean > 3, 60_000);
    await first.stop('SIGKILL');

    CLUSTERS.cluster_abc123!.nodes = 4;
    try {
      const again = start(dataDir);
      await again.started();
      await again.waitFor('the example clusters running, production with 4 nodes', () => again.allRunning());
      const after = await again.vms();
      expect(Object.fromEntries(Object.entries(after).map(([id, list]) => [id, list.length]))).toEqual(Object.fromEntries(Object.entries(CLUSTERS).map(([id, c]) => [id, c.nodes])));
      const production = after.cluster_abc123!.map((vm) => vm.split('=')[0]);
      expect(new Set(production).size).toBe(production.length);
      for (const [id, list] of Object.entries(before)) for (const vm of list) expect(after[id]).toContain(vm);
      expect(again.nodes().cluster_abc123!.map((n) => n.split('@')[0])).toEqual(['node_001', 'node_002', 'node_003', 'node_004']);
      // The clusters the kill did not catch in a change saw no write at all.
      expect(await again.writes()).toMatchObject({ hetzner: 0, aws: 0 });
      expect(await again.stop('SIGTERM')).toBe(0);
    } finally {
      CLUSTERS.cluster_abc123!.nodes = 3;
    }
  }, 240_000);
});
