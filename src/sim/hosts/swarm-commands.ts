import type { CommandResult } from '../../orchestrators/ssh/types.js';
import { dockerAgo, fail, lines, ok } from './format.js';
import type { HostCommand } from './parse.js';
import { isUp, type HostState, type WorldContext } from './state.js';
import {
  addNode,
  findNode,
  isReady,
  joinToken,
  managersOf,
  managerStatus,
  settleSwarm,
  taskName,
  type Swarm,
  type SwarmNode,
} from './swarm-model.js';

type SwarmCommand = Extract<HostCommand, { kind: `swarm.${string}` }>;

const DAEMON = 'Error response from daemon: ';
const FAILED_PRECONDITION = `${DAEMON}rpc error: code = FailedPrecondition desc = `;
const MSG = {
  notManager: `${DAEMON}This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.`,
  worker: `${DAEMON}This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.`,
  noLeader: `${DAEMON}rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.`,
  already: `${DAEMON}This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.`,
  notPart: `${DAEMON}This node is not part of a swarm`,
  badAddr: `${DAEMON}must specify a listening address because the address to advertise is not recognized as a system address, and a system's IP address to use could not be uniquely identified`,
  dial: (addr: string) => `${DAEMON}rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${addr}: connect: connection refused"`,
  badToken: `${DAEMON}invalid join token`,
  wrongCa: `${DAEMON}remote CA does not match fingerprint`,
  wrongSecret: `${DAEMON}rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster`,
  joinTimeout: `${DAEMON}Timeout was reached before node joined. The attempt to join the swarm will continue in the background. Use the "docker info" command to see the current swarm status of your node.`,
  noNode: (ref: string) => `${DAEMON}node ${ref} not found`,
  lastManager: `${FAILED_PRECONDITION}attempting to demote the last manager of the swarm`,
  quorum: `${FAILED_PRECONDITION}can't remove member from the raft: this would result in a loss of quorum`,
  isManager: (id: string) => `${FAILED_PRECONDITION}node ${id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`,
};

/** Docker's behaviour for the `swarm.*` commands, on `host`. */
export class SwarmEngine {
  readonly swarms = new Map<string, Swarm>();

  constructor(private readonly ctx: WorldContext) {}

  settleAll(): void {
    for (const swarm of this.swarms.values()) settleSwarm(this.ctx, swarm);
  }

  swarmOf(host: HostState): Swarm | undefined {
    return host.docker ? this.swarms.get(host.docker.swarmId) : undefined;
  }

  run(host: HostState, cmd: SwarmCommand): CommandResult {
    switch (cmd.kind) {
      case 'swarm.info': {
        const node = this.nodeOf(host);
        return ok(node ? `active ${node.role === 'manager'} ${node.id}\n` : 'inactive false \n');
      }
      case 'swarm.init':
        return this.init(host, cmd.advertiseIp);
      case 'swarm.join':
        return this.join(host, cmd.token, cmd.managerIp);
      case 'swarm.leave':
        return this.leave(host, cmd.force);
      default:
        return this.manage(host, cmd);
    }
  }

  private nodeOf(host: HostState): SwarmNode | undefined {
    return host.docker ? this.swarmOf(host)?.nodes.get(host.docker.nodeId) : undefined;
  }

  private init(host: HostState, advertiseIp: string): CommandResult {
    if (host.docker) return fail(MSG.already);
    if (advertiseIp !== host.ip) return fail(MSG.badAddr);
    const { ids } = this.ctx;
    const swarm: Swarm = { id: ids.next(25), caDigest: ids.next(50), secrets: { worker: ids.next(25), manager: ids.next(25) }, nodes: new Map(), leaderId: null, services: new Map(), tasks: [] };
    this.swarms.set(swarm.id, swarm);
    const node = addNode(this.ctx, swarm, host, 'manager');
    settleSwarm(this.ctx, swarm);
    return ok(
      `Swarm initialized: current node (${node.id}) is now a manager.\n\nTo add a worker to this swarm, run the following command:\n\n` +
        `    docker swarm join --token ${joinToken(swarm, 'worker')} ${host.ip}:2377\n\n` +
        `To add a manager to this swarm, run 'docker swarm join-token manager' and follow the instructions.\n\n`,
    );
  }

  private join(host: HostState, token: string, managerIp: string): CommandResult {
    if (host.docker) return fail(MSG.already);
    const addr = `${managerIp}:2377`;
    if (host.refuseJoins > 0) {
      host.refuseJoins -= 1;
      return fail(MSG.dial(addr));
    }
    const managerHost = this.ctx.host(managerIp);
    const swarm = isUp(managerHost) ? this.swarmOf(managerHost) : undefined;
    if (!managerHost || !swarm || this.nodeOf(managerHost)?.role !== 'manager') return fail(MSG.dial(addr));
    const parts = /^SWMTKN-1-([0-9a-z]{50})-([0-9a-z]{25})$/.exec(token);
    if (!parts) return fail(MSG.badToken);
    if (parts[1] !== swarm.caDigest) return fail(MSG.wrongCa);
    const role = (['worker', 'manager'] as const).find((r) => swarm.secrets[r] === parts[2]);
    if (!role) return fail(MSG.wrongSecret);
    settleSwarm(this.ctx, swarm);
    // Joining writes to the raft log: without a leader the daemon gives up waiting.
    if (swarm.leaderId === null) return fail(MSG.joinTimeout);
    addNode(this.ctx, swarm, host, role);
    settleSwarm(this.ctx, swarm);
    return ok(`This node joined a swarm as a ${role}.\n`);
  }

  private leave(host: HostState, force: boolean): CommandResult {
    const swarm = this.swarmOf(host);
    const node = this.nodeOf(host);
    if (!swarm || !node) return fail(MSG.notPart);
    if (node.role === 'manager' && !force) return fail(managerLeaveMessage(this.ctx, swarm));
    node.left = true;
    host.docker = null;
    settleSwarm(this.ctx, swarm);
    return ok('Node left the swarm.\n');
  }

  /** Commands that need a manager of a swarm with a leader. */
  private manage(host: HostState, cmd: Exclude<SwarmCommand, { kind: 'swarm.info' | 'swarm.init' | 'swarm.join' | 'swarm.leave' }>): CommandResult {
    const swarm = this.swarmOf(host);
    if (!swarm) return fail(MSG.notManager);
    if (this.nodeOf(host)?.role !== 'manager') return fail(MSG.worker);
    settleSwarm(this.ctx, swarm);
    if (swarm.leaderId === null) return fail(MSG.noLeader);
    if (cmd.kind === 'swarm.joinToken') return ok(`${joinToken(swarm, cmd.role)}\n`);
    if (cmd.kind === 'swarm.nodes') return ok(lines(this.nodeLines(swarm)));
    const node = findNode(swarm, cmd.nodeId);
    if (!node) return fail(MSG.noNode(cmd.nodeId));
    switch (cmd.kind) {
      case 'swarm.drain':
        node.availability = 'drain';
        settleSwarm(this.ctx, swarm);
        return ok(`${cmd.nodeId}\n`);
      case 'swarm.runningTasks':
        return ok(lines(this.taskLines(swarm, node)));
      case 'swarm.demote':
        return this.demote(swarm, node, cmd.nodeId);
      case 'swarm.remove':
        return this.remove(swarm, node, cmd.nodeId);
    }
  }

  private nodeLines(swarm: Swarm): string[] {
    const pretty = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
    return [...swarm.nodes.values()]
      .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id))
      .map((n) => `${n.id} ${isReady(this.ctx, n) ? 'Ready' : 'Down'} ${pretty(n.availability)} ${pretty(managerStatus(this.ctx, swarm, n) ?? '-')}`);
  }

  private taskLines(swarm: Swarm, node: SwarmNode): string[] {
    const now = this.ctx.now();
    return swarm.tasks
      .filter((t) => t.nodeId === node.id)
      .sort((a, b) => taskName(a).localeCompare(taskName(b)))
      .map((t) => `${t.id} ${taskName(t)} Running ${dockerAgo(now - t.since)}`);
  }

  private demote(swarm: Swarm, node: SwarmNode, ref: string): CommandResult {
    if (node.role === 'worker') return ok(`Node ${ref} is already a worker.\n`);
    const managers = managersOf(swarm);
    if (managers.length === 1) return fail(MSG.lastManager);
    // swarmkit's CanRemoveMember: the members left must still reach a quorum of the smaller cluster.
    const reachableAfter = managers.filter((m) => m !== node && isReady(this.ctx, m)).length;
    if (reachableAfter < Math.floor((managers.length - 1) / 2) + 1) return fail(MSG.quorum);
    node.role = 'worker';
    settleSwarm(this.ctx, swarm);
    return ok(`Manager ${ref} demoted in the swarm.\n`);
  }

  private remove(swarm: Swarm, node: SwarmNode, ref: string): CommandResult {
    if (node.role === 'manager') return fail(MSG.isManager(node.id));
    swarm.nodes.delete(node.id);
    swarm.tasks = swarm.tasks.filter((t) => !(t.pinned && t.nodeId === node.id));
    for (const task of swarm.tasks) if (task.nodeId === node.id) task.nodeId = null;
    // A node removed while its daemon still runs finds itself out of the swarm.
    const host = this.ctx.host(node.ip);
    if (host?.docker?.nodeId === node.id) host.docker = null;
    settleSwarm(this.ctx, swarm);
    return ok(`${ref}\n`);
  }
}

/** moby's refusal for `docker swarm leave` (without --force) on a manager. */
function managerLeaveMessage(ctx: WorldContext, swarm: Swarm): string {
  const managers = managersOf(swarm);
  const reachable = managers.filter((m) => isReady(ctx, m)).length;
  const unreachable = managers.length - reachable;
  let msg = `${DAEMON}You are attempting to leave the swarm on a node that is participating as a manager. `;
  if (reachable - 2 <= unreachable) {
    if (reachable === 1 && unreachable === 0) return `${msg}Removing the last manager erases all current state of the swarm. Use \`--force\` to ignore this message.`;
    msg += `Removing this node leaves ${reachable - 1} managers out of ${reachable + unreachable}. Without a Raft quorum your swarm will be inaccessible. `;
  }
  return `${msg}The only way to restore a swarm that has lost consensus is to reinitialize it with \`--force-new-cluster\`. Use \`--force\` to suppress this message.`;
}
