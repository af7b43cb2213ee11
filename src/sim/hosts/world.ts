import type { CommandResult } from '../../orchestrators/ssh/types.js';
import { TransientError } from '../../reconcile/errors.js';
import { systemClock, type Clock } from '../common/clock.js';
import { fail } from './format.js';
import { IdSource } from './ids.js';
import { K3sEngine } from './k3s-commands.js';
import { viewK3s, type SimK3sView } from './k3s-model.js';
import { parseHostCommand, shapeOf, type HostCommand } from './parse.js';
import { isUp, type HostState, type WorldContext } from './state.js';
import { SwarmEngine } from './swarm-commands.js';
import { placeTask, settleSwarm, viewSwarm, type SimSwarmView } from './swarm-model.js';
import { readWorldSnapshot, saveK3s, saveSwarm, type SimHostWorldSnapshot } from './world-snapshot.js';

/**
 * What sshd prints, exiting 1, for any command on a host whose password has expired: pam_unix's
 * account message (Linux-PAM `pam_unix_acct.c`, `PAM_NEW_AUTHTOK_REQD` with the change forced by
 * the administrator) and then OpenSSH's from `session.c` `do_pwchange` when the session has no TTY.
 * As seen on cloud VMs with an expired root password (pingcap/tidb#37836, hetznercloud/hcloud-python#121).
 */
export const PASSWORD_EXPIRED = 'You are required to change your password immediately (administrator enforced).\nPassword change required but no TTY available.\n';

/** Options of the host state machine. */
export interface SimHostWorldOptions {
  /** Drives ages, task times and drain delays. Default: the system clock. */
  clock?: Clock;
  /** Delay before Swarm moves tasks off a drained, down or departed node. Default 1000 ms. */
  drainDelayMs?: number;
  /** Seeds node ids, task ids and join tokens (same seed + same commands → same ids). */
  seed?: string;
}

/**
 * The simulated hosts' state machine, without any transport: every host's Docker daemon and
 * k3s install, the swarms and k3s clusters they form, and the faults. `exec` interprets exactly
 * the commands of `src/orchestrators/commands.ts` with Docker's and kubectl's outputs, messages
 * and exit codes; anything else exits 127. Hosts appear on first mention (an address never seen
 * is a fresh machine with Docker and no swarm) and stay gone once removed, until a new VM is
 * added at the address (a reused IP): that is a fresh machine again.
 */
export class SimHostWorld {
  private hosts = new Map<string, HostState>();
  private readonly ctx: WorldContext;
  private readonly swarms: SwarmEngine;
  private readonly k3sClusters: K3sEngine;

  constructor(options: SimHostWorldOptions = {}) {
    const clock = options.clock ?? systemClock;
    this.ctx = {
      now: () => clock.now(),
      ids: new IdSource(options.seed ?? 'clusterops-sim'),
      drainDelayMs: options.drainDelayMs ?? 1000,
      host: (ip) => this.hosts.get(ip),
    };
    this.swarms = new SwarmEngine(this.ctx);
    this.k3sClusters = new K3sEngine(this.ctx);
  }

  /** Every machine, swarm and k3s cluster, with the id counter: what a restarted world needs. */
  snapshot(): SimHostWorldSnapshot {
    return {
      hosts: structuredClone([...this.hosts.values()]),
      swarms: [...this.swarms.swarms.values()].map(saveSwarm),
      k3s: [...this.k3sClusters.clusters.values()].map(saveK3s),
      ids: this.ctx.ids.snapshot(),
    };
  }

  /** Replaces the world with a saved one (same seed expected: ids continue from the saved count). */
  restore(saved: unknown): void {
    const { hosts, swarms, k3s, ids } = readWorldSnapshot(saved);
    this.hosts = new Map(hosts.map((h) => [h.ip, h]));
    this.swarms.swarms.clear();
    for (const swarm of swarms) this.swarms.swarms.set(swarm.id, swarm);
    this.k3sClusters.clusters.clear();
    for (const cluster of k3s) this.k3sClusters.clusters.set(cluster.id, cluster);
    this.ctx.ids.restore(ids);
  }

  /**
   * Registers a machine (idempotent); `hostname` is what `docker node ls` sorts by.
   * `passwordExpired`: its root password must be changed before it runs any command.
   */
  addHost(ip: string, hostname?: string, options: { passwordExpired?: boolean } = {}): void {
    // A new VM at a deleted VM's address (clouds reuse IPs) is a new machine: no swarm, no k3s.
    if (this.hosts.get(ip)?.gone) this.hosts.delete(ip);
    const host = this.hostAt(ip);
    if (hostname) host.hostname = hostname;
    if (options.passwordExpired !== undefined) host.passwordExpired = options.passwordExpired;
  }

  /** The VM is deleted: unreachable for good, Down / NotReady to its cluster. */
  removeHost(ip: string): void {
    this.hostAt(ip).gone = true;
    this.settle();
  }

  /** Whether SSH would reach the host. */
  reachable(ip: string): boolean {
    const host = this.hosts.get(ip);
    return host === undefined || isUp(host);
  }

  /**
   * Runs one command on the host at `ip`. Throws `TransientError('SshUnreachable')` when the host
   * is down or gone, as the SSH runner does; otherwise resolves the command's result.
   */
  exec(ip: string, command: string): CommandResult {
    const host = this.hostAt(ip);
    if (host.gone || host.down) throw new TransientError('SshUnreachable', `ssh ${ip}: connect ECONNREFUSED (simulated host is ${host.gone ? 'gone' : 'down'})`);
    if (host.passwordExpired) return fail(PASSWORD_EXPIRED);
    const cmd = parseHostCommand(command);
    if (!cmd) return fail(`sim-host: unsupported command (not one of src/orchestrators/commands.ts): ${shapeOf(command)}`, 127);
    this.settle();
    return isSwarmCommand(cmd) ? this.swarms.run(host, cmd) : this.k3sClusters.run(host, cmd);
  }

  /** Fault: the host powers off (true) or comes back (false). */
  setDown(ip: string, down: boolean): void {
    this.hostAt(ip).down = down;
    this.settle();
  }

  /** Fault: the next `times` join commands on this host fail as if the manager/server were unreachable. */
  refuseJoin(ip: string, times: number): void {
    this.hostAt(ip).refuseJoins = times;
  }

  /**
   * Fault: pins a task (Swarm: service `reason`, task `reason.1`) or a PodDisruptionBudget-guarded
   * pod (k3s: pod `reason`) to this host, so draining it never completes; null lifts it.
   */
  blockDrain(ip: string, reason: string | null): void {
    this.hostAt(ip).drainBlocker = reason;
    this.settle();
  }

  /** The swarm this host is a member of (its daemon's view), if any. */
  swarm(ip: string): SimSwarmView | undefined {
    this.settle();
    const swarm = this.swarmOf(ip);
    return swarm && viewSwarm(this.ctx, swarm);
  }

  /** The k3s cluster this host runs in, if any. */
  k3s(ip: string): SimK3sView | undefined {
    this.settle();
    const host = this.hosts.get(ip);
    const cluster = host && this.k3sClusters.clusterOf(host);
    return cluster && viewK3s(this.ctx, cluster);
  }

  /** Test set-up: a replicated service of `replicas` tasks, created through the manager at `managerIp`. */
  createService(managerIp: string, name: string, replicas: number): void {
    const swarm = this.swarmOf(managerIp);
    const host = this.hosts.get(managerIp);
    if (!swarm || !host?.docker || swarm.nodes.get(host.docker.nodeId)?.role !== 'manager') throw new Error(`${managerIp} is not a swarm manager`);
    if (swarm.services.has(name)) throw new Error(`service ${name} already exists`);
    swarm.services.set(name, replicas);
    for (let slot = 1; slot <= replicas; slot++) placeTask(this.ctx, swarm, name, slot);
    settleSwarm(this.ctx, swarm);
  }

  /** Test set-up: a Deployment of `replicas` pods, created through the server at `serverIp`. */
  createDeployment(serverIp: string, name: string, replicas: number): void {
    this.k3sClusters.createDeployment(this.hostAt(serverIp), name, replicas);
  }

  private swarmOf(ip: string) {
    const host = this.hosts.get(ip);
    return host && this.swarms.swarmOf(host);
  }

  private settle(): void {
    this.swarms.settleAll();
    this.k3sClusters.settleAll();
  }

  private hostAt(ip: string): HostState {
    let host = this.hosts.get(ip);
    if (!host) {
      host = { ip, hostname: `host-${ip.replace(/[.:]/g, '-')}`, down: false, gone: false, passwordExpired: false, refuseJoins: 0, drainBlocker: null, docker: null, k3s: null };
      this.hosts.set(ip, host);
    }
    return host;
  }
}

type SwarmCommand = Extract<HostCommand, { kind: `swarm.${string}` }>;
const isSwarmCommand = (cmd: HostCommand): cmd is SwarmCommand => cmd.kind.startsWith('swarm.');
