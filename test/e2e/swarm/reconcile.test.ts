/**
 * The real-Swarm end-to-end tier, second half: the RECONCILER forms and changes a real Docker
 * Swarm. clusterops runs in-process against a Git remote (TestRepo) and the simulated cloud; each
 * simulated VM gets the IP of the next host of a network-namespace lab (test/support/netns), so the
 * SSH orchestration (`orchestration: 'ssh'`, clusterops's own key pair authorised on every host)
 * drives a real sshd and a real dockerd per node. One lab host per VM, never reused.
 *
 * Steps (after each one, `docker node ls` on a manager must match the manifest exactly — Ready
 * nodes by role, departed nodes gone rather than Down — and the store must say `running`):
 *  1. 1 manager: the swarm forms on the first VM.
 *  2. 3 managers: Leader + 2 Reachable.
 *  3. + 2 workers: 5 nodes.
 *  4. a real service (`web`, 4 replicas, host network) runs on the swarm.
 *  5. workers 2 → 1 with `remove: [<the worker running a task>]`: its tasks are rescheduled (drain)
 *     before its VM is deleted, and `web` keeps 4 running tasks.
 *  6. a manager is lost (its dockerd stopped): remediation (`unhealthyReplaceAfterMs`) joins a new
 *     manager first, then demotes and `node rm`s the lost one through a healthy manager, without
 *     ever dropping below quorum. This is the supported way to remove exactly one manager here:
 *     a swarm can't go 3 → 2 (even manager counts are invalid for swarm), `remove:` without a
 *     smaller count names nothing to remove (the planner only warns), and a plan change would
 *     replace all three managers (three more hosts).
 *  7. every manager VM is deleted behind clusterops' back while it is stopped (as in a provider's
 *     console), and the manifest goes to 1 manager + 1 worker: on restart clusterops bootstraps a
 *     new swarm on a new manager VM, and the surviving worker leaves the dead swarm
 *     (`docker swarm leave --force`) and joins the new one (issue 15).
 *
 * Skipped with a printed reason without root/docker.io/openssh-server/busybox-static; under
 * CI=true a missing prerequisite fails instead. CO_E2E_DEBUG=1 prints the daemon's log.
 */
import { mkdtempSync, readdirSync, rmSync, existsSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServeConfig, type ServeConfig } from '../../../src/config.js';
import { createLogger, silentLogger } from '../../../src/logger.js';
import { startClusterops, type Clusterops } from '../../../src/main.js';
import { ensureKeyPair } from '../../../src/orchestrators/ssh/keys.js';
import { TAG } from '../../../src/providers/ownership.js';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';
import type { IpAllocator } from '../../../src/sim/common/ip-pool.js';
import type { SimVmView } from '../../../src/sim/common/types.js';
import { deleteBehindItsBack, group, manifest, TestRepo } from '../../integration/reconcile/harness.js';
import { createNetnsLab, freeSubnet, importBusybox, labLeftovers, type LabHost, type NetnsLab } from '../../support/netns/hosts.js';
import { gateTier } from '../../support/netns/prereqs.js';

const gate = gateTier('e2e/swarm');

const CLUSTER = 'cluster_swarme2e';
const SERVICE = 'docker service create --detach --name web --replicas 4 --network host --no-resolve-image --stop-grace-period 1s busybox-local:1 sleep 3600';

interface Row {
  hostname: string;
  status: string;
  availability: string;
  /** Leader | Reachable | Unreachable, or '' on a worker. */
  managerStatus: string;
}

/** Polls `probe` until it returns a value (not undefined); on timeout, says what it last saw. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, describeLast: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}\n${describeLast()}`);
    await delay(200);
  }
}

describe.skipIf(!gate.run)('e2e/swarm: the reconciler forms and changes a real swarm', () => {
  let dataDir = '';
  let workDir = '';
  let lab: NetnsLab | undefined;
  let sim: SimCloud | undefined;
  let repo: TestRepo | undefined;
  let co: Clusterops | undefined;
  /** When the simulated cloud was asked to delete the VM with this IP (its `deleted` hook). */
  const deletedAt = new Map<string, number>();
  /** How step 1 started clusterops, so step 7 can start it again. */
  let serve: { config: ServeConfig; log: typeof silentLogger } | undefined;
  /** Lab hosts whose dockerd the test stopped on purpose (not asked for `docker node ls`). */
  const broken = new Set<string>();

  const push = async (groups: string[], message: string) => {
    repo!.push({ 'clusters/e2e.yaml': manifest('e2e', { id: CLUSTER, orchestrator: 'swarm', provider: 'digitalocean', region: 'sfo3', groups: groups.join('\n') }) }, message);
    if (co) await co.daemon.pollNow();
  };

  /** The cluster's VMs that still exist and are not being deleted. */
  const liveVms = (): SimVmView[] => sim!.emulators.digitalocean.vms().filter((v) => v.tags[TAG.cluster] === CLUSTER && v.status !== 'off');
  const hostOf = (vm: SimVmView): LabHost => lab!.host(vm.ip!);
  const vmOf = (nodeId: string): SimVmView => {
    const vm = liveVms().find((v) => v.tags[TAG.node] === nodeId);
    if (!vm) throw new Error(`no live VM for ${nodeId}`);
    return vm;
  };

  const sh = async (host: LabHost, cmd: string): Promise<string> => {
    const r = await lab!.exec(host, cmd, { timeoutMs: 20_000 });
    if (r.code !== 0) throw new Error(`${host.name}$ ${cmd} → exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  };

  /** A manager of the manifest whose dockerd answers: where the test looks at the swarm. */
  const manager = (): LabHost => {
    const m = liveVms()
      .filter((v) => v.tags[TAG.role] === 'manager')
      .map(hostOf)
      .filter((h) => !broken.has(h.name))
      .sort((a, b) => a.index - b.index)[0];
    if (!m) throw new Error('no manager to ask');
    return m;
  };

  const nodeLs = async (on: LabHost = manager()): Promise<Row[]> => {
    const out = await sh(on, `docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}'`);
    return out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [hostname = '', status = '', availability = '', managerStatus = ''] = l.trim().split(/\s+/);
        return { hostname, status, availability, managerStatus };
      });
  };

  /** `docker node ls` as the manifest wants it: hostname → Leader/Reachable for managers, '' for workers. */
  const expectedRows = (): Record<string, string> =>
    Object.fromEntries(liveVms().map((v) => [hostOf(v).name, v.tags[TAG.role] === 'manager' ? 'manager' : 'worker']));

  const webTasks = async (): Promise<{ node: string; state: string }[]> => {
    const out = await sh(manager(), "docker service ps web --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'");
    return out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ node: l.split(' ')[0]!, state: l.split(' ').slice(1).join(' ') }));
  };

  let lastSeen = '';
  const describeState = () => {
    const s = co?.store.cluster(CLUSTER)?.status;
    const vms = liveVms().map((v) => `${v.tags[TAG.node]}:${v.tags[TAG.role]}@${hostOf(v).name}`);
    return `store: ${s ? `${s.status} ${JSON.stringify(s.nodes.map((n) => `${n.id}:${n.status}/${n.orchestratorStatus ?? '?'}`))} lastError=${s.lastError}` : 'none'}\nVMs: ${vms.join(', ')}\nlast docker node ls: ${lastSeen}`;
  };

  /**
   * Waits until the world matches the manifest — the simulated cloud holds exactly `managers` +
   * `workers` VMs, the store says running with every node running, and `docker node ls` lists
   * exactly those VMs' hosts, Ready and Active, managers as Leader/Reachable and workers without
   * manager status — then asserts it once more. Returns the rows.
   */
  const converged = async (managers: number, workers: number, timeoutMs = 90_000): Promise<Row[]> => {
    const matches = async (): Promise<Row[] | undefined> => {
      const vms = liveVms();
      const m = vms.filter((v) => v.tags[TAG.role] === 'manager').length;
      if (m !== managers || vms.length !== managers + workers) return undefined;
      const s = co!.store.cluster(CLUSTER)?.status;
      if (s?.status !== 'running' || s.nodes.length !== managers + workers || !s.nodes.every((n) => n.status === 'running')) return undefined;
      const rows = await nodeLs();
      lastSeen = JSON.stringify(rows);
      const want = expectedRows();
      if (rows.length !== Object.keys(want).length) return undefined;
      for (const r of rows) {
        const role = want[r.hostname];
        if (!role || r.status !== 'Ready' || r.availability !== 'Active') return undefined;
        if (role === 'manager' ? !['Leader', 'Reachable'].includes(r.managerStatus) : r.managerStatus !== '') return undefined;
      }
      return rows;
    };
    const rows = await until(`${managers} managers + ${workers} workers in the swarm and the store`, matches, timeoutMs, describeState);
    // The same, as assertions (so a failure reads as a diff).
    const want = expectedRows();
    expect(Object.keys(want)).toHaveLength(managers + workers);
    expect(Object.fromEntries(rows.map((r) => [r.hostname, r.managerStatus === '' ? 'worker' : 'manager']))).toEqual(want);
    expect(rows.every((r) => r.status === 'Ready' && r.availability === 'Active')).toBe(true);
    expect(rows.filter((r) => r.managerStatus === 'Leader')).toHaveLength(1);
    expect(rows.filter((r) => r.managerStatus === 'Reachable')).toHaveLength(managers - 1);
    const status = co!.store.cluster(CLUSTER)!.status!;
    expect(status.status).toBe('running');
    expect(status.nodes.map((n) => n.status)).toEqual(Array(managers + workers).fill('running'));
    return rows;
  };

  beforeAll(async () => {
    if (gate.failure) throw new Error(gate.failure);
    dataDir = mkdtempSync(join(tmpdir(), 'co-swarm-data-'));
    // clusterops's own key pair, made before the lab so every host authorises it.
    const { publicKey } = await ensureKeyPair(dataDir);
    workDir = mkdtempSync('/tmp/co-lab-');
    // Prefer the subnet the smoke test (lab.test.ts) does not, so the two files can run side by side.
    lab = await createNetnsLab({ count: 7, subnet: freeSubnet(['203.0.113.0/24', '198.51.100.0/24']), authorizedKey: publicKey, workDir });
    await importBusybox(lab);

    // Each new VM is the next lab host; addresses are never handed out again.
    const free = lab.hosts.map((h) => h.ip);
    const ips: IpAllocator = {
      allocate: () => {
        const ip = free.shift();
        if (!ip) throw new Error('the lab has no host left for another VM');
        return ip;
      },
      release: () => undefined,
    };
    sim = await startSimCloud({
      bootMs: 200,
      deleteMs: 200,
      listingLagMs: 1_000,
      ips,
      hooks: { deleted: (vm) => void (vm.ip && !deletedAt.has(vm.ip) && deletedAt.set(vm.ip, Date.now())) },
    });
    repo = new TestRepo();
  }, 120_000);

  afterAll(async () => {
    const errors: unknown[] = [];
    const attempt = async (fn: () => Promise<void> | void) => {
      try {
        await fn();
      } catch (e) {
        errors.push(e);
      }
    };
    await attempt(() => co?.close());
    await attempt(() => sim?.close());
    await attempt(() => lab?.teardown());
    await attempt(() => repo?.cleanup());
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    // Creation refused before the lab owned workDir: it is still our empty mkdtemp dir.
    if (!lab && workDir && existsSync(workDir) && readdirSync(workDir).length === 0) rmdirSync(workDir);
    if (errors.length) throw errors[0];
    if (lab) expect(labLeftovers(lab)).toEqual([]);
  }, 120_000);

  it('1. one manager: the reconciler initialises the swarm on the first VM', async () => {
    await push([group('manager', 'small', 1)], 'one manager');
    const base = readServeConfig({ repo: repo!.remote, 'data-dir': dataDir, port: '0' }, {}, false);
    const config: ServeConfig = {
      ...base,
      pollIntervalMs: 3_600_000, // the test asks for a poll after each push
      // The periodic full pass is what notices a node going unhealthy in a converged cluster
      // (nothing else wakes it): the production default is 10 minutes, here 1 s.
      resyncIntervalMs: 1_000,
      requeueMs: 200,
      orchestration: 'ssh',
      drainTimeoutMs: 60_000,
      // Below the CLI's 10 s minimum on purpose: step 6 waits for it.
      unhealthyReplaceAfterMs: 3_000,
      statusCommits: false,
      credentials: sim!.credentials,
      endpoints: sim!.endpoints(),
    };
    const log = process.env.CO_E2E_DEBUG ? createLogger({ level: 'debug', format: 'pretty' }) : silentLogger;
    serve = { config, log };
    co = await startClusterops(config, { sim: sim!, log });

    const rows = await converged(1, 0);
    expect(rows).toEqual([{ hostname: lab!.hosts[0]!.name, status: 'Ready', availability: 'Active', managerStatus: 'Leader' }]);
    expect(hostOf(vmOf('node_001')).name).toBe('host1');
    expect((await sh(lab!.hosts[0]!, "docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'")).trim()).toBe('active true');
  }, 60_000);

  it('2. three managers: Leader + 2 Reachable', async () => {
    await push([group('manager', 'small', 3)], 'three managers');
    const rows = await converged(3, 0);
    expect(rows.map((r) => r.managerStatus).sort()).toEqual(['Leader', 'Reachable', 'Reachable']);
  }, 90_000);

  it('3. two workers join: 5 nodes', async () => {
    await push([group('manager', 'small', 3), group('worker', 'small', 2)], 'two workers');
    const rows = await converged(3, 2);
    expect(rows.filter((r) => r.managerStatus === '')).toHaveLength(2);
  }, 90_000);

  it('4. a real service runs on the swarm the reconciler formed', async () => {
    await sh(manager(), SERVICE);
    const tasks = await until('4 running web tasks', async () => {
      const t = await webTasks();
      return t.length === 4 && t.every((x) => x.state.startsWith('Running')) ? t : undefined;
    }, 60_000);
    // Spread: 4 tasks on 4 different nodes of the 5.
    expect(new Set(tasks.map((t) => t.node)).size).toBe(4);
    await converged(3, 2);
  }, 90_000);

  it('5. a worker listed under remove: is drained (tasks rescheduled) before its VM is deleted', async () => {
    // The departing worker must run a task, or the drain would prove nothing.
    const workers = liveVms().filter((v) => v.tags[TAG.role] === 'worker');
    let leaving: SimVmView | undefined;
    for (const w of workers) if ((await sh(hostOf(w), 'docker ps -q')).trim() !== '') leaving = leaving ?? w;
    expect(leaving, 'a worker running a web task').toBeDefined();
    const gone = hostOf(leaving!);
    const goneId = leaving!.tags[TAG.node]!;

    // Watch the departing host and the service while the reconciler scales down. Each moment is
    // taken when a probe that saw it COMPLETED, so it can only be late: the assertions below
    // can fail spuriously on a very slow machine, but never pass when the order was wrong.
    let tasksGoneAt: number | undefined;
    let rescheduledAt: number | undefined;
    let watching = true;
    const poll = async (done: () => boolean, probe: () => Promise<void>) => {
      while (watching && !done()) {
        await probe();
        await delay(25);
      }
    };
    const watch = Promise.all([
      poll(
        () => tasksGoneAt !== undefined,
        async () => {
          const r = await lab!.exec(gone, 'docker ps -q', { timeoutMs: 10_000 });
          if (r.code === 0 && r.stdout.trim() === '') tasksGoneAt = Date.now();
        },
      ),
      poll(
        () => rescheduledAt !== undefined,
        async () => {
          const t = await webTasks().catch(() => []);
          if (t.length === 4 && t.every((x) => x.state.startsWith('Running') && x.node !== gone.name)) rescheduledAt = Date.now();
        },
      ),
    ]);

    try {
      await push([group('manager', 'small', 3), group('worker', 'small', 1, [goneId])], `remove ${goneId}`);
      const rows = await converged(3, 1);
      expect(rows.map((r) => r.hostname)).not.toContain(gone.name);
    } finally {
      watching = false;
      await watch;
    }
    const vmDeletedAt = deletedAt.get(gone.ip);
    expect(vmDeletedAt, `the VM of ${goneId} was deleted`).toBeDefined();
    expect(sim!.emulators.digitalocean.vms().some((v) => v.ip === gone.ip)).toBe(false);
    expect(tasksGoneAt, `${gone.name}'s containers went`).toBeDefined();
    expect(rescheduledAt, 'web ran 4 tasks elsewhere').toBeDefined();
    console.info(`[e2e/swarm] ${goneId}: containers gone ${vmDeletedAt! - tasksGoneAt!} ms and web rescheduled ${vmDeletedAt! - rescheduledAt!} ms before its VM was deleted`);
    // The order that matters: workloads off the node (and running elsewhere) before the VM goes.
    expect(tasksGoneAt!).toBeLessThanOrEqual(vmDeletedAt!);
    expect(rescheduledAt!).toBeLessThanOrEqual(vmDeletedAt!);
    const events = co!.store.cluster(CLUSTER)!.events.filter((e) => e.nodeId === goneId).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['drained', 'deleted']));
    expect(events.indexOf('drained')).toBeLessThan(events.indexOf('deleted'));

    const tasks = await webTasks();
    expect(tasks).toHaveLength(4);
    expect(tasks.every((t) => t.state.startsWith('Running') && t.node !== gone.name)).toBe(true);
  }, 90_000);

  it('6. a lost manager is replaced: a new manager joins first, the lost one is demoted and removed', async () => {
    // Stop dockerd on a manager that is not the Raft leader (no election to wait for).
    const rows = await nodeLs();
    const victimName = rows.find((r) => r.managerStatus === 'Reachable')!.hostname;
    const victim = lab!.host(victimName);
    const victimVm = liveVms().find((v) => v.ip === victim.ip)!;
    const victimId = victimVm.tags[TAG.node]!;
    const before = new Set(liveVms().map((v) => v.tags[TAG.node]));
    broken.add(victim.name);
    await sh(victim, `kill -TERM "$(cat ${join(victim.dir, 'dockerd.pid')})"`);

    // The swarm notices, then clusterops does: unhealthy, and past the limit, replaced.
    await until(`${victim.name} Down/Unreachable in the swarm`, async () => {
      const r = (await nodeLs()).find((x) => x.hostname === victim.name);
      return r && r.status !== 'Ready' && r.managerStatus === 'Unreachable' ? r : undefined;
    }, 60_000);

    const after = await converged(3, 1, 120_000);
    expect(after.map((r) => r.hostname)).not.toContain(victim.name);
    expect(after.filter((r) => r.managerStatus !== '')).toHaveLength(3);
    expect(deletedAt.has(victim.ip)).toBe(true);
    const added = liveVms().map((v) => v.tags[TAG.node]!).filter((id) => !before.has(id));
    expect(added).toHaveLength(1);
    const replacement = vmOf(added[0]!);
    expect(replacement.tags[TAG.role]).toBe('manager');
    // Surge: the replacement joined before the lost manager was removed.
    const events = co!.store.cluster(CLUSTER)!.events;
    const joinedAt = events.findIndex((e) => e.type === 'joined' && e.nodeId === added[0]);
    const deletedIdx = events.findIndex((e) => e.type === 'deleted' && e.nodeId === victimId);
    expect(joinedAt).toBeGreaterThanOrEqual(0);
    expect(deletedIdx).toBeGreaterThan(joinedAt);
    // The service survived (its task on the lost manager, if any, was rescheduled by swarm).
    const tasks = await until('4 running web tasks', async () => {
      const t = await webTasks();
      return t.length === 4 && t.every((x) => x.state.startsWith('Running') && x.node !== victim.name) ? t : undefined;
    }, 60_000);
    expect(tasks).toHaveLength(4);
  }, 150_000);

  it('7. every manager VM deleted behind its back: a new swarm on a new manager, the surviving worker rejoins it', async () => {
    await co!.close();
    co = undefined;
    const lostManagers = liveVms().filter((v) => v.tags[TAG.role] === 'manager');
    const worker = liveVms().find((v) => v.tags[TAG.role] === 'worker')!;
    const workerHost = hostOf(worker);
    const oldSwarm = (await sh(manager(), "docker info --format '{{.Swarm.Cluster.ID}}'")).trim();
    expect(oldSwarm).toMatch(/^[a-z0-9]{25}$/);
    for (const vm of lostManagers) {
      await deleteBehindItsBack(sim!, vm);
      // The machine goes with its VM: its dockerd stops, so the old swarm has no manager left.
      broken.add(hostOf(vm).name);
      await sh(hostOf(vm), `kill -TERM "$(cat ${join(hostOf(vm).dir, 'dockerd.pid')})"`);
    }
    await until('the manager VMs gone', async () => (liveVms().some((v) => v.tags[TAG.role] === 'manager') ? undefined : true), 30_000);
    repo!.push({ 'clusters/e2e.yaml': manifest('e2e', { id: CLUSTER, orchestrator: 'swarm', provider: 'digitalocean', region: 'sfo3', groups: [group('manager', 'small', 1), group('worker', 'small', 1)].join('\n') }) }, 'one manager');
    co = await startClusterops(serve!.config, { sim: sim!, log: serve!.log });

    const rows = await converged(1, 1, 120_000);
    const newManager = liveVms().find((v) => v.tags[TAG.role] === 'manager')!;
    expect(lostManagers.map((v) => v.id)).not.toContain(newManager.id);
    expect(rows.map((r) => r.hostname).sort()).toEqual([hostOf(newManager).name, workerHost.name].sort());
    // A new swarm, and the worker (the same VM) is in it.
    const newSwarm = (await sh(hostOf(newManager), "docker info --format '{{.Swarm.Cluster.ID}}'")).trim();
    expect(newSwarm).not.toBe(oldSwarm);
    expect(liveVms().find((v) => v.tags[TAG.role] === 'worker')!.id).toBe(worker.id);
    expect((await sh(workerHost, "docker info --format '{{.Swarm.LocalNodeState}}'")).trim()).toBe('active');
    const rec = co.store.cluster(CLUSTER)!;
    expect(rec.events.map((e) => e.message)).toContainEqual(expect.stringMatching(/^control plane lost \(.*\): recreated on node_\d+; workloads and cluster state of the old one did not survive$/));
    expect(rec.status!.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: true, reason: 'ControlPlaneRecreated' });
  }, 180_000);
});

if (!gate.run) {
  describe('e2e/swarm reconcile', () => {
    it.skip(`skipped: ${gate.reason ?? ''}`, () => {});
  });
}
