import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { parse } from 'yaml';
import { ensureKeyPair } from '../../src/orchestrators/ssh/keys.js';
import { TAG } from '../../src/providers/ownership.js';
import { startSimCloud, type SimCloud } from '../../src/sim/cloud.js';
import type { SimVmView } from '../../src/sim/common/types.js';
import { createSimHostFleet, loopbackIps, type SimHostFleet } from '../../src/sim/hosts/index.js';
import type { StatusDocument } from '../../src/status/status-file.js';
import type { StoreData } from '../../src/store/types.js';
import { simEnv, type TestRepo } from '../integration/reconcile/harness.js';
import { CLI } from '../support/cli.js';

/**
 * The world the crash suite kills daemons in: the simulated cloud, and behind every simulated VM
 * a simulated machine with its own sshd on the VM's loopback address, port 22 (the port a
 * non-demo `clusterops serve` connects to), answering Swarm and k3s commands. Both live in the
 * test process, so they outlive every SIGKILLed daemon, as a real cloud and real machines do.
 */
export interface CrashWorld {
  sim: SimCloud;
  fleet: SimHostFleet;
  /** Authorizes this run's daemon key (each run has its own data directory, so its own key). */
  authorize(dataDir: string): Promise<void>;
  close(): Promise<void>;
}

export const SSH_PORT = 22;

export async function startCrashWorld(): Promise<CrashWorld> {
  let keys: string[] = [];
  // drainDelayMs: Swarm moves a drained node's tasks after this; short so drains finish in a pass or two.
  const fleet = createSimHostFleet({ port: SSH_PORT, authorizedKeys: () => keys, drainDelayMs: 50 });
  // A random loopback /16 block of our own, so parallel demos never collide; freed addresses go to
  // new VMs first, as on real clouds (a new machine with a new host key).
  const ips = loopbackIps(`127.${150 + randomInt(100)}.0.0/16`);
  // Every run leaves its VMs behind in one account: its droplet limit raised, as its owner would ask DigitalOcean to.
  const sim = await startSimCloud({ bootMs: 150, deleteMs: 50, listingLagMs: 1_000, digitalocean: { dropletLimit: 10_000 }, ips, hooks: fleet.hooks() });
  return {
    sim,
    fleet,
    authorize: async (dataDir) => {
      keys = [(await ensureKeyPair(dataDir)).publicKey];
    },
    close: async () => {
      await sim.close();
      await fleet.close();
    },
  };
}

/** The real `clusterops serve` binary against the simulated cloud, joining nodes over SSH, status commits on. */
export function startDaemon(world: CrashWorld, repo: TestRepo, dataDir: string): ChildProcess {
  const { sim } = world;
  return spawn(process.execPath, [CLI, 'serve', '--repo', repo.remote, '--data-dir', dataDir, '--port', '0', '--poll-interval', '1', '--orchestration', 'ssh', '--log-level', process.env.CRASH_LOG_LEVEL ?? 'error', '--log-format', 'json'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...simEnv(sim),
      CLUSTEROPS_REQUEUE_MS: '100',
    },
  });
}

/** SIGKILL: no shutdown hook runs, nothing is flushed. */
export async function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((resolve) => p.once('exit', resolve));
  p.kill('SIGKILL');
  await gone;
}

export function readStore(dataDir: string): StoreData | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as StoreData;
  } catch {
    return null;
  }
}

/** One declared cluster: its manifest identity and the exact `node_…:role/plan` set it must end with (or counts when ids are not fixed). */
export interface Declared {
  id: string;
  name: string;
  orchestrator: 'kubernetes' | 'swarm';
  /** `role/plan` → count. */
  groups: Record<string, number>;
  /** Node ids that must not exist at the end (listed under `remove:`). */
  gone?: string[];
}

export interface Findings {
  duplicates: string[];
  orphans: string[];
  missing: string[];
  membership: string[];
  statusWrong: string[];
}

export const vmLabel = (v: SimVmView) => `${v.tags[TAG.cluster]}/${v.tags[TAG.node]}:${v.tags[TAG.role]}/${v.tags[TAG.plan]}`;

/**
 * Compares the world with what is declared: VMs (duplicates: two VMs for one node id, or more
 * of a group than declared; orphans: VMs of clusters no longer declared or of removed nodes;
 * missing: fewer than declared), the orchestrator's members (every VM joined and ready, nothing
 * else), and `status/<name>.yaml` in Git (running, exactly the VMs with their ips; no file for a
 * cluster that is gone).
 */
export function inspect(world: CrashWorld, repo: TestRepo, owner: string, declared: Declared[], gone: string[]): Findings {
  const f: Findings = { duplicates: [], orphans: [], missing: [], membership: [], statusWrong: [] };
  const vms = Object.values(world.sim.emulators)
    .flatMap((e) => e.vms())
    .filter((v) => v.tags[TAG.owner] === owner);
  const byCluster = new Map<string, SimVmView[]>();
  for (const v of vms) byCluster.set(v.tags[TAG.cluster]!, [...(byCluster.get(v.tags[TAG.cluster]!) ?? []), v]);
  for (const [cluster, list] of byCluster) if (!declared.some((d) => d.id === cluster)) f.orphans.push(...list.map(vmLabel));
  for (const d of declared) {
    const list = byCluster.get(d.id) ?? [];
    const seen = new Map<string, number>();
    for (const v of list) seen.set(v.tags[TAG.node]!, (seen.get(v.tags[TAG.node]!) ?? 0) + 1);
    for (const [node, n] of seen) if (n > 1) f.duplicates.push(`${d.id}/${node} ×${n}`);
    for (const v of list) if (d.gone?.includes(v.tags[TAG.node]!)) f.orphans.push(vmLabel(v));
    const counts = new Map<string, number>();
    for (const v of list) counts.set(`${v.tags[TAG.role]}/${v.tags[TAG.plan]}`, (counts.get(`${v.tags[TAG.role]}/${v.tags[TAG.plan]}`) ?? 0) + 1);
    for (const [group, n] of counts) {
      const want = d.groups[group] ?? 0;
      if (n > want) f.orphans.push(`${d.id} ${group}: ${n} VMs, ${want} declared`);
    }
    for (const [group, want] of Object.entries(d.groups)) if ((counts.get(group) ?? 0) < want) f.missing.push(`${d.id} ${group}: ${counts.get(group) ?? 0} VMs, ${want} declared`);
    f.membership.push(...membershipProblems(world, d, list));
    f.statusWrong.push(...statusProblems(repo, d, list));
  }
  for (const name of gone) if (show(repo, `status/${name}.yaml`) !== undefined) f.statusWrong.push(`status/${name}.yaml still there for a deleted cluster`);
  return f;
}

/** Every VM of the cluster is a ready member of its Swarm / k3s cluster, and no one else is. */
function membershipProblems(world: CrashWorld, d: Declared, vms: SimVmView[]): string[] {
  const ips = vms.map((v) => v.ip!).sort();
  const manager = vms.find((v) => v.tags[TAG.role] === 'manager');
  if (!manager?.ip) return [`${d.id}: no manager VM`];
  if (d.orchestrator === 'kubernetes') {
    const view = world.fleet.k3s(manager.ip);
    if (!view) return [`${d.id}: the manager runs no k3s`];
    const members = view.nodes.map((n) => n.ip).sort();
    const notReady = view.nodes.filter((n) => !n.ready || !n.schedulable).map((n) => n.ip);
    return JSON.stringify(members) === JSON.stringify(ips) && notReady.length === 0 ? [] : [`${d.id}: k3s members ${JSON.stringify(members)} (not ready/cordoned ${JSON.stringify(notReady)}), VMs ${JSON.stringify(ips)}`];
  }
  const view = world.fleet.swarm(manager.ip);
  if (!view) return [`${d.id}: the manager is in no swarm`];
  const members = view.nodes.map((n) => n.ip).sort();
  const bad = view.nodes.filter((n) => n.status !== 'ready' || n.availability !== 'active').map((n) => n.ip);
  return JSON.stringify(members) === JSON.stringify(ips) && bad.length === 0 ? [] : [`${d.id}: swarm members ${JSON.stringify(members)} (down/drained ${JSON.stringify(bad)}), VMs ${JSON.stringify(ips)}`];
}

function statusProblems(repo: TestRepo, d: Declared, vms: SimVmView[]): string[] {
  const text = show(repo, `status/${d.name}.yaml`);
  if (text === undefined) return [`status/${d.name}.yaml missing`];
  const doc = parse(text) as StatusDocument;
  const want = vms.map((v) => `${v.tags[TAG.node]} ${v.tags[TAG.role]}/${v.tags[TAG.plan]} ${v.ip} running`).sort();
  const got = doc.nodes.map((n) => `${n.id} ${n.role}/${n.plan} ${n.ip} ${n.status}`).sort();
  if (doc.id !== d.id || doc.status !== 'running' || JSON.stringify(got) !== JSON.stringify(want)) {
    return [`status/${d.name}.yaml says ${doc.status} ${JSON.stringify(got)}; the world has ${JSON.stringify(want)}`];
  }
  return [];
}

export const clean = (f: Findings) => Object.values(f).every((list) => list.length === 0);

/** The daemon says it is done: every declared cluster running with no intent left, nothing else in its store. */
export function storeSettled(data: StoreData | null, declared: Declared[]): boolean {
  if (!data) return false;
  return declared.every((d) => data.clusters[d.id]?.status?.status === 'running' && data.clusters[d.id]!.intents.length === 0) && Object.keys(data.clusters).every((id) => declared.some((d) => d.id === id));
}

/** A file at the remote's main, or undefined (quietly: a missing status file is an expected answer here). */
export function show(repo: TestRepo, path: string): string | undefined {
  try {
    return execFileSync('git', ['--git-dir', repo.remote, 'show', `main:${path}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}
