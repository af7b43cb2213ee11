import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach } from 'vitest';
import { readServeConfig, type ServeConfig } from '../../../src/config.js';
import type { Provider } from '../../../src/domain/manifest/types.js';
import { silentLogger } from '../../../src/logger.js';
import { startClusterops, type Clusterops } from '../../../src/main.js';
import { TAG } from '../../../src/providers/ownership.js';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';
import type { IpAllocator } from '../../../src/sim/common/ip-pool.js';
import type { SimVmView } from '../../../src/sim/common/types.js';
import { createSimHostFleet, type SimHostFleet } from '../../../src/sim/hosts/index.js';
import { ensureKeyPair } from '../../../src/orchestrators/ssh/keys.js';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Human', GIT_AUTHOR_EMAIL: 'human@example.com', GIT_COMMITTER_NAME: 'Human', GIT_COMMITTER_EMAIL: 'human@example.com' };

/** A bare remote and a person's clone of it, in a temp dir. */
export class TestRepo {
  readonly root = mkdtempSync(join(tmpdir(), 'clusterops-it-'));
  readonly remote = join(this.root, 'remote.git');
  readonly work = join(this.root, 'human');

  constructor() {
    this.git(this.root, 'init', '-q', '--bare', '--initial-branch=main', this.remote);
    this.git(this.root, 'clone', '-q', this.remote, this.work);
    this.git(this.work, 'checkout', '-q', '-B', 'main');
  }

  git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });
  }

  /** Writes (or with null, deletes) files and pushes one commit, rebasing on what others pushed. */
  push(files: Record<string, string | null>, message = 'change clusters'): void {
    this.change(() => {
      for (const [path, content] of Object.entries(files)) {
        const full = join(this.work, path);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
    }, message);
  }

  /** Like `push`, but `edit` changes the up-to-date work tree as a person would (renames, symlinks, folders). */
  change(edit: (work: string) => void, message: string): void {
    if (this.git(this.work, 'ls-remote', '--heads', 'origin', 'main').trim() !== '') this.git(this.work, 'pull', '-q', '--rebase', 'origin', 'main');
    edit(this.work);
    this.git(this.work, 'add', '-A');
    this.git(this.work, 'commit', '-q', '--allow-empty', '-m', message);
    // clusterops pushes status commits too: like a person, rebase and push again when they win.
    for (let attempt = 1; ; attempt++) {
      try {
        this.git(this.work, 'push', '-q', 'origin', 'HEAD:main');
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        this.git(this.work, 'pull', '-q', '--rebase', 'origin', 'main');
      }
    }
  }

  /** A file as the remote's main branch holds it. */
  show(path: string): string | undefined {
    try {
      return this.git(this.root, '--git-dir', this.remote, 'show', `main:${path}`);
    } catch {
      return undefined;
    }
  }

  log(): string[] {
    return this.git(this.root, '--git-dir', this.remote, 'log', '--format=%s', 'main').trim().split('\n');
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function manifest(name: string, o: { id?: string; provider?: Provider; region?: string; orchestrator?: string; groups: string }): string {
  return [
    `# ${name}: written by a test`,
    ...(o.id ? [`id: ${o.id}`] : []),
    'organizationId: org_abc123',
    `name: ${name}`,
    `provider: ${o.provider ?? 'digitalocean'}`,
    `region: ${o.region ?? 'sfo3'}`,
    `orchestrator: ${o.orchestrator ?? 'kubernetes'}`,
    'nodes:',
    o.groups.trimEnd(),
    '',
  ].join('\n');
}

export function group(role: string, plan: string, count: number, remove?: string[]): string {
  return [`  - role: ${role}`, `    plan: ${plan}`, `    count: ${count}`, ...(remove ? [`    remove: [${remove.join(', ')}]`] : [])].join('\n');
}

/** The configuration tests run clusterops with: a test repo, the in-process simulated cloud, VM-only nodes, fast requeues. */
export function testConfig(repo: TestRepo, sim: SimCloud, dataDir: string, over: Partial<ServeConfig> = {}): ServeConfig {
  const base = readServeConfig({ repo: repo.remote, 'data-dir': dataDir, port: '0' }, {}, false);
  return {
    ...base,
    pollIntervalMs: 3_600_000,
    resyncIntervalMs: 3_600_000,
    requeueMs: 50,
    orchestration: 'vm-only',
    credentials: sim.credentials,
    endpoints: sim.endpoints(),
    ...over,
  };
}

/** A clusterops daemon against a test repo and an in-process simulated cloud. */
export async function startDaemon(repo: TestRepo, sim: SimCloud, dataDir: string, over: Partial<ServeConfig> = {}): Promise<Clusterops> {
  return startClusterops(testConfig(repo, sim, dataDir, over), { sim, log: silentLogger });
}

/** The environment a `clusterops serve` child process needs to reach the simulated cloud (credentials and endpoints). */
export function simEnv(sim: SimCloud): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DIGITALOCEAN_TOKEN: sim.credentials.digitalocean.token,
    HCLOUD_TOKEN: sim.credentials.hetzner.token,
    AWS_ACCESS_KEY_ID: sim.credentials.aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.credentials.aws.secretAccessKey,
    CLUSTEROPS_DIGITALOCEAN_ENDPOINT: sim.endpoints().digitalocean,
    CLUSTEROPS_HETZNER_ENDPOINT: sim.endpoints().hetzner,
    CLUSTEROPS_AWS_ENDPOINT: sim.endpoints().aws,
  };
}

export function simCloud(bootMs = 100): Promise<SimCloud> {
  return startSimCloud({ bootMs, deleteMs: 50 });
}

/** Every simulated VM of one cluster, across providers. */
export function vmsOf(sim: SimCloud, clusterId: string): SimVmView[] {
  return Object.values(sim.emulators).flatMap((e) => e.vms()).filter((v) => v.tags[TAG.cluster] === clusterId);
}

/** `node_001:manager/medium` for each VM, sorted: the state of the world in one line. */
export function world(sim: SimCloud, clusterId: string): string[] {
  return vmsOf(sim, clusterId)
    .map((v) => `${v.tags[TAG.node]}:${v.tags[TAG.role]}/${v.tags[TAG.plan]}`)
    .sort();
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until the cluster's status says it is running with `n` nodes. */
export async function converged(co: Clusterops, clusterId: string, n: number): Promise<void> {
  await waitFor(`${clusterId} running with ${n} nodes`, () => {
    const s = co.store.cluster(clusterId)?.status;
    return s?.status === 'running' && s.nodes.length === n && s.nodes.every((x) => x.status === 'running');
  });
}

/** One test's world: a repo, an in-process simulated cloud and a data directory; `co`, if set, is closed after the test. */
export interface DaemonWorld {
  repo: TestRepo;
  sim: SimCloud;
  dataDir: string;
  co?: Clusterops | undefined;
}

/** Registers a fresh DaemonWorld for each test of the enclosing describe, cleaned up after it. */
export function daemonWorld(prefix: string): DaemonWorld {
  const w = {} as DaemonWorld;
  beforeEach(async () => {
    w.repo = new TestRepo();
    w.sim = await simCloud();
    w.dataDir = mkdtempSync(join(tmpdir(), prefix));
    w.co = undefined;
  });
  afterEach(async () => {
    await w.co?.close();
    await w.sim.close();
    w.repo.cleanup();
    rmSync(w.dataDir, { recursive: true, force: true });
  });
  return w;
}

/** A DaemonWorld whose VMs are simulated machines reachable over real SSH (port 22 of their loopback addresses). */
export interface SshDaemonWorld extends DaemonWorld {
  fleet: SimHostFleet;
}

/** Registers a fresh SshDaemonWorld for each test of the enclosing describe (addresses from `ips()`), cleaned up after it. */
export function sshDaemonWorld(prefix: string, ips: () => IpAllocator): SshDaemonWorld {
  const w = {} as SshDaemonWorld;
  beforeEach(async () => {
    w.repo = new TestRepo();
    w.dataDir = mkdtempSync(join(tmpdir(), prefix));
    const { publicKey } = await ensureKeyPair(w.dataDir);
    w.fleet = createSimHostFleet({ port: 22, authorizedKeys: () => [publicKey], drainDelayMs: 0 });
    w.sim = await startSimCloud({ bootMs: 100, deleteMs: 50, ips: ips(), hooks: w.fleet.hooks() });
    w.co = undefined;
  });
  afterEach(async () => {
    await w.co?.close();
    w.co = undefined;
    await w.sim.close();
    await w.fleet.close();
    w.repo.cleanup();
    rmSync(w.dataDir, { recursive: true, force: true });
  });
  return w;
}

/**
 * Deletes a VM as a person would in the provider's console (with the account's token, not through
 * clusterops): DigitalOcean and Hetzner only.
 */
export async function deleteBehindItsBack(sim: SimCloud, vm: SimVmView): Promise<void> {
  const [url, token] =
    vm.provider === 'digitalocean'
      ? [`${sim.endpoints().digitalocean}/droplets/${vm.id}`, sim.credentials.digitalocean.token]
      : vm.provider === 'hetzner'
        ? [`${sim.endpoints().hetzner}/servers/${vm.id}`, sim.credentials.hetzner.token]
        : [undefined, undefined];
  if (!url) throw new Error(`deleteBehindItsBack: not for ${vm.provider}`);
  const res = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  if (res.status >= 300) throw new Error(`deleting ${vm.provider} ${vm.id} behind clusterops' back: HTTP ${res.status}`);
}
