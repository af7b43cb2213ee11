import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccounts } from '../../src/auth/accounts.js';
import { startSimCloud, type SimCloud } from '../../src/sim/cloud.js';
import { group, manifest, simEnv, TestRepo, vmsOf } from '../integration/reconcile/harness.js';
import { CLI } from '../support/cli.js';

/** A `clusterops serve` process whose stdout and stderr (the logs) are kept. */
interface Served {
  proc: ChildProcess;
  out: () => string;
  logs: () => string;
  url: () => Promise<string>;
  exited: Promise<number | null>;
}

function serve(args: string[], env: Record<string, string>): Served {
  let out = '';
  let logs = '';
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--log-format', 'json', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    out: () => out,
    logs: () => logs,
    exited,
    url: async () => {
      for (let i = 0; i < 300; i++) {
        const m = /serving on (http:\/\/\S+)/.exec(out);
        if (m) return m[1]!;
        if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}: ${logs}`);
        await sleep(50);
      }
      throw new Error(`serve did not start: ${logs}`);
    },
  };
}

async function stop(s: Served, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill(signal);
  return s.exited;
}

/** Parses the Prometheus text format into `name{labels}` → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe('running it for real: health, metrics, logs, the data-directory lock', () => {
  let sim: SimCloud;
  let repo: TestRepo;
  let dataDir: string;
  let token: string;
  let env: Record<string, string>;
  let main: Served;

  beforeAll(async () => {
    sim = await startSimCloud({ bootMs: 100, deleteMs: 50, listingLagMs: 1_000 });
    repo = new TestRepo();
    repo.push({
      'clusters/web.yaml': manifest('web', { id: 'cluster_web', groups: [group('manager', 'small', 1), group('worker', 'small', 1)].join('\n') }),
      'clusters/api.yaml': manifest('api', { id: 'cluster_api', provider: 'hetzner', region: 'nbg1', groups: group('manager', 'small', 1) }),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-ops-'));
    const accounts = await openAccounts(dataDir);
    await accounts.createOrganization('org_abc123', 'ABC');
    await accounts.addUser('user_alice', { organizationId: 'org_abc123', role: 'admin' });
    token = (await accounts.createToken('user_alice', 'ops test')).token;
    env = {
      ...simEnv(sim),
      CLUSTEROPS_REQUEUE_MS: '100',
      CLUSTEROPS_ORCHESTRATION: 'vm-only',
      CLUSTEROPS_WEBHOOK_SECRET: 'webhook-secret-value-123',
    };
    main = serve(['--repo', repo.remote, '--data-dir', dataDir, '--poll-interval', '1', '--log-level', 'debug'], env);
    await main.url();
  });

  afterAll(async () => {
    if (main) await stop(main, 'SIGKILL');
    await sim?.close();
    repo?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('converges, and /healthz and /readyz say so with their checks', async () => {
    const url = await main.url();
    const until = Date.now() + 30_000;
    const running = async () => {
      const res = await fetch(`${url}/api/cluster.all?organizationId=org_abc123`, { headers: { Authorization: `Bearer ${token}` } });
      const clusters = ((await res.json()) as { result: { data: { id: string; status: string }[] } }).result.data;
      return clusters.filter((c) => c.status === 'running').length === 2;
    };
    while (!(await running())) {
      if (Date.now() > until) throw new Error('did not converge');
      await sleep(100);
    }
    expect(vmsOf(sim, 'cluster_web')).toHaveLength(2);
    const health = await fetch(`${url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', checks: { store: 'ok', repository: 'ok', poll: 'ok' }, failing: [] }]);
  });

  it('serves Prometheus metrics with the documented names and labels after a convergence', async () => {
    const url = await main.url();
    const headers = { Authorization: `Bearer ${token}` };
    expect((await fetch(`${url}/api/cluster.all?organizationId=org_abc123`, { headers })).status).toBe(200);
    expect((await fetch(`${url}/api/cluster.one?clusterId=cluster_nope`, { headers })).status).toBe(404);
    let m = new Map<string, number>();
    const until = Date.now() + 20_000;
    for (;;) {
      const res = await fetch(`${url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      m = parseMetrics(await res.text());
      if ((m.get('clusterops_clusters{status="running"}') ?? 0) === 2 && (m.get('clusterops_revision_to_converged_seconds_count{provider="digitalocean"}') ?? 0) >= 1 && (m.get('clusterops_git_polls_total{result="unchanged"}') ?? 0) >= 1) break;
      if (Date.now() > until) throw new Error(`metrics never showed two running clusters: ${[...m].filter(([k]) => k.startsWith('clusterops_clusters')).join(' ')}`);
      await sleep(200);
    }
    const get = (series: string) => m.get(series);
    expect(get('clusterops_reconcile_total{provider="digitalocean",result="requeue"}')).toBeGreaterThan(0);
    expect(get('clusterops_reconcile_total{provider="digitalocean",result="success"}')).toBeGreaterThan(0);
    expect(get('clusterops_reconcile_duration_seconds_count{provider="hetzner",result="success"}')).toBeGreaterThan(0);
    expect(get('clusterops_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(get('clusterops_provider_requests_total{provider="digitalocean",operation="droplets.create",status="202"}')).toBe(2);
    expect(get('clusterops_provider_requests_total{provider="hetzner",operation="servers.create",status="201"}')).toBe(1);
    expect(get('clusterops_provider_request_duration_seconds_count{provider="digitalocean",operation="droplets.list"}')).toBeGreaterThan(0);
    expect(get('clusterops_provider_rate_limit_remaining{provider="digitalocean"}')).toBeGreaterThan(4000);
    expect(get('clusterops_provider_rate_limit_remaining{provider="hetzner"}')).toBeGreaterThan(3000);
    expect(get('clusterops_git_polls_total{result="changed"}')).toBeGreaterThanOrEqual(1);
    expect(get('clusterops_git_polls_total{result="unchanged"}')).toBeGreaterThanOrEqual(1);
    expect(get('clusterops_git_poll_duration_seconds_count{result="changed"}')).toBeGreaterThanOrEqual(1);
    expect(get('clusterops_api_requests_total{procedure="cluster.all",method="GET",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(get('clusterops_api_requests_total{procedure="cluster.one",method="GET",status="404"}')).toBe(1);
    expect(get('clusterops_clusters{status="error"}')).toBe(0);
    expect(get('clusterops_revision_to_converged_seconds_count{provider="hetzner"}')).toBe(1);
    // No series per cluster: ids would name every organization's clusters and never go away.
    expect([...m.keys()].filter((k) => /[{,]cluster="/.test(k))).toEqual([]);
    expect(get('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('logs JSON lines with cluster id, revision and request id, and never a token', async () => {
    const url = await main.url();
    // A bad bearer token and a wrongly signed webhook must not echo what was sent either.
    const bogus = `cot_abcdefghijkl_${'Z'.repeat(43)}`;
    expect((await fetch(`${url}/api/cluster.all`, { headers: { Authorization: `Bearer ${bogus}` } })).status).toBe(401);
    expect((await fetch(`${url}/hooks/git`, { method: 'POST', headers: { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': 'sha256=00', 'Content-Type': 'application/json' }, body: '{}' })).status).toBeGreaterThanOrEqual(400);
    await sleep(200);
    const lines = main.logs().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => typeof l.level === 'string' && typeof l.time === 'string' && typeof l.msg === 'string')).toBe(true);
    expect(lines.some((l) => l.clusterId === 'cluster_web' && typeof l.revision === 'string' && (l.revision as string).length === 12)).toBe(true);
    const request = lines.find((l) => l.procedure === 'cluster.all' && l.status === 200);
    expect(request).toMatchObject({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), method: 'GET', userId: 'user_alice' });
    const all = main.logs() + main.out();
    for (const secret of [sim.credentials.digitalocean.token, sim.credentials.hetzner.token, sim.credentials.aws.secretAccessKey, token, bogus, 'webhook-secret-value-123']) expect(all).not.toContain(secret);
  });

  it('a second instance on the same data directory refuses to start; the first keeps running', async () => {
    const second = serve(['--repo', repo.remote, '--data-dir', dataDir], env);
    expect(await second.exited, second.logs()).toBe(1);
    expect(second.logs()).toMatch(new RegExp(`clusterops serve: data directory ${dataDir} is in use by clusterops pid ${main.proc.pid} on .* stop it first or use another --data-dir`));
    expect((await fetch(`${await main.url()}/healthz`)).status).toBe(200);
  });

  it('SIGTERM shuts down cleanly and frees the lock; after a SIGKILL the next start takes the stale lock over', async () => {
    expect(existsSync(join(dataDir, 'clusterops.lock'))).toBe(true);
    expect(await stop(main, 'SIGTERM')).toBe(0);
    expect(main.logs()).toContain('shutting down: finishing running passes');
    expect(existsSync(join(dataDir, 'clusterops.lock'))).toBe(false);

    const crashed = serve(['--repo', repo.remote, '--data-dir', dataDir], env);
    await crashed.url();
    expect(JSON.parse(readFileSync(join(dataDir, 'clusterops.lock'), 'utf8'))).toMatchObject({ pid: crashed.proc.pid });
    await stop(crashed, 'SIGKILL');
    expect(existsSync(join(dataDir, 'clusterops.lock'))).toBe(true);

    main = serve(['--repo', repo.remote, '--data-dir', dataDir], env);
    const url = await main.url();
    expect(main.logs()).toContain('did not shut down cleanly; taking over its lock');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // Nothing was created twice across the restarts.
    expect(vmsOf(sim, 'cluster_web')).toHaveLength(2);
    expect(vmsOf(sim, 'cluster_api')).toHaveLength(1);
  });

  it('/readyz is 503 naming the failing checks while the repository cannot be cloned; /healthz stays 200', async () => {
    const other = mkdtempSync(join(tmpdir(), 'clusterops-ops-unready-'));
    const s = serve(['--repo', join(other, 'missing.git'), '--data-dir', other], env);
    try {
      const url = await s.url();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      const body = (await ready.json()) as { checks: Record<string, string>; failing: string[] };
      expect(ready.status).toBe(503);
      expect(body.checks).toEqual({ store: 'ok', repository: 'repository not cloned yet', poll: 'repository not polled yet' });
      expect(body.failing).toEqual(['repository: repository not cloned yet', 'poll: repository not polled yet']);
    } finally {
      await stop(s, 'SIGKILL');
      rmSync(other, { recursive: true, force: true });
    }
  });
});
