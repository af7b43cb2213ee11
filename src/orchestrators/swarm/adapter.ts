import type { ActualNode } from '../../domain/plan/types.js';
import type { Logger } from '../../logger.js';
import { StalledError, TransientError, WaitingError } from '../../reconcile/errors.js';
import { swarm } from '../commands.js';
import type { SshRunner } from '../ssh/types.js';
import type { OrchestratorAdapter, OrchestratorCluster } from '../types.js';
import { createDrainBudget, drainRefusal, lastManagerRefusal, quorumRefusal } from './guards.js';
import { isReachableManager, parseSwarmInfo, parseSwarmNodes, parseSwarmTasks, type SwarmInfo, type SwarmNodeRow } from './parse.js';
import { assertSafe, commandFailed, createRemote, type Remote } from './remote.js';

/** What the swarm adapter needs. Every side effect is injected. */
export interface SwarmAdapterConfig {
  ssh: SshRunner;
  /** SSH port on every node; default 22. */
  port?: number;
  /** SSH user; default `root`. */
  username?: string;
  /** Drain budget from the first attempt, and the requeue delay while tasks are still moving. */
  drain: { timeoutMs: number; pollMs: number };
  /** Wall clock for the drain budget; `clock.now` or `now`, default `Date.now`. */
  clock?: { now(): number };
  now?: () => number;
  /** Per-command SSH timeout; default 60 s. */
  commandTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Docker Swarm over SSH (DESIGN §7), with the OrchestratorAdapter failure contract. Cluster-wide
 * commands run on any running manager (failing over to the next); only `init`, `join` and
 * `swarm leave` run on the node itself, so a dead node is removed entirely from a manager.
 */
export function createSwarmAdapter(config: SwarmAdapterConfig): OrchestratorAdapter {
  const now = config.now ?? (config.clock ? () => config.clock!.now() : Date.now);
  const remote = createRemote({
    ssh: config.ssh,
    port: config.port ?? 22,
    username: config.username ?? 'root',
    timeoutMs: config.commandTimeoutMs ?? 60_000,
    requeueMs: config.drain.pollMs,
    ...(config.logger ? { logger: config.logger } : {}),
  });
  const budget = createDrainBudget(config.drain.timeoutMs, now);
  const ops = swarmOps(remote);

  return {
    async init(_cluster, node) {
      const info = await ops.info(node);
      if (info.state === 'active') return joinedId(node, info, config.drain.pollMs);
      const result = await remote.run(node, swarm.init(remote.address(node)));
      const after = await ops.info(node);
      // A failed exit after which the node is active still means it worked (a crash mid-init, a retry).
      if (result.code !== 0 && after.state !== 'active') throw commandFailed('InitFailed', `swarm init on ${node.id}`, result);
      return joinedId(node, after, config.drain.pollMs);
    },

    async join(cluster, node) {
      const info = await ops.info(node);
      if (info.state !== 'inactive') return joinedId(node, info, config.drain.pollMs);
      const role = node.role === 'manager' ? 'manager' : 'worker';
      const { token, manager } = await ops.joinToken(cluster, node, role);
      const result = await remote.run(node, swarm.join(token, remote.address(manager)), { redact: [token] });
      const after = await ops.info(node);
      if (result.code !== 0 && after.state !== 'active' && after.state !== 'pending') {
        throw commandFailed('JoinFailed', `swarm join of ${node.id} through ${manager.id}`, result, [token]);
      }
      return joinedId(node, after, config.drain.pollMs);
    },

    async members(cluster) {
      const rows = await ops.nodes(cluster);
      return rows.map((r) => ({ memberId: r.id, ready: r.status === 'ready', manager: r.managerStatus !== null, draining: r.availability === 'drain' }));
    },

    async drain(cluster, node) {
      const key = `${cluster.clusterId}/${node.id}`;
      const row = await ops.find(cluster, node);
      // Never joined, already removed, or down (swarm reschedules a down node's tasks itself).
      if (!row || row.status === 'down') return budget.clear(key);
      const elapsed = budget.elapsed(key);
      if (row.availability !== 'drain') {
        await remote.viaManager(cluster, `drain ${node.id}`, (m) => remote.check(m, swarm.drain(row.id), { reason: 'DrainFailed', what: `draining ${node.id}` }));
      }
      const tasks = await remote.viaManager(cluster, `list the tasks on ${node.id}`, async (m) =>
        parseSwarmTasks(await remote.check(m, swarm.runningTasks(row.id), { reason: 'TasksUnavailable', what: `listing tasks of ${node.id}` })),
      );
      if (tasks.length === 0) return budget.clear(key);
      const names = tasks.map((t) => t.name);
      const blockers = `${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;
      throw drainRefusal(budget, key, elapsed, config.drain.timeoutMs, config.drain.pollMs, { nodeId: node.id, blockers });
    },

    async remove(cluster, node) {
      budget.clear(`${cluster.clusterId}/${node.id}`);
      const rows = await ops.nodes(cluster, node.id);
      const row = await ops.find(cluster, node, rows);
      if (!row) return; // never joined, or already removed
      if (row.managerStatus !== null) {
        const done = await demote(cluster, node, row, rows);
        if (done) return;
      }
      // A graceful leave needs the node itself; a down or unreachable one is skipped and
      // `node rm --force` on a manager takes it out alone (the lost-manager case).
      if (row.status === 'ready') {
        const left = await remote.tryRun(node, swarm.leave());
        if (left && left.code !== 0) config.logger?.warn({ nodeId: node.id }, `swarm leave on ${node.id} failed; removing it from a manager`);
      }
      await remote.viaManager(cluster, `remove ${node.id}`, (m) => remote.check(m, swarm.remove(row.id), { reason: 'RemoveFailed', what: `removing ${node.id}` }), {
        exclude: node.id,
      });
    },

    async leave(node) {
      const info = await ops.info(node);
      if (info.state === 'inactive') return;
      const result = await remote.run(node, swarm.forceLeave());
      const after = await ops.info(node);
      if (result.code !== 0 && after.state !== 'inactive') throw commandFailed('LeaveFailed', `swarm leave --force on ${node.id}`, result);
    },
  };

  /** Demotes a manager through another manager, never below quorum. True when the node was the last manager (nothing left to do). */
  async function demote(cluster: OrchestratorCluster, node: ActualNode, row: SwarmNodeRow, rows: readonly SwarmNodeRow[]): Promise<boolean> {
    const names = nodeNames(cluster);
    const managers = rows.filter((r) => r.managerStatus !== null);
    if (managers.length === 1) {
      // The swarm ends with this node and its VM; `swarm leave` would refuse without --force.
      const refusal = lastManagerRefusal(node.id, rows.filter((r) => r.id !== row.id && r.status === 'ready').map((r) => names(r.id)));
      if (refusal) throw refusal;
      return true;
    }
    const refusal = quorumRefusal(
      managers.map((r) => ({ memberId: r.id, reachable: isReachableManager(r) })),
      row.id,
      names,
    );
    if (refusal) throw refusal;
    await remote.viaManager(cluster, `demote ${node.id}`, (m) => remote.check(m, swarm.demote(row.id), { reason: 'DemoteFailed', what: `demoting ${node.id}` }), {
      exclude: node.id,
    });
    return false;
  }
}

/** Reads on the node and through managers, shared by the operations above. */
function swarmOps(remote: Remote) {
  const ops = {
    /** The role's join token, read on a running manager other than the node. */
    async joinToken(cluster: OrchestratorCluster, node: ActualNode, role: 'manager' | 'worker'): Promise<{ token: string; manager: ActualNode }> {
      const read = async (manager: ActualNode) => {
        const out = await remote.check(manager, swarm.joinToken(role), { reason: 'JoinTokenUnavailable', what: `reading the ${role} join token` });
        return { manager, token: assertSafe(out.trim(), `the join token read on ${manager.id}`) };
      };
      return remote.viaManager(cluster, `read the ${role} join token`, read, { exclude: node.id });
    },
    async info(node: ActualNode): Promise<SwarmInfo> {
      return parseSwarmInfo(await remote.check(node, swarm.info(), { reason: 'DockerUnavailable', what: 'docker info' }));
    },
    async nodes(cluster: OrchestratorCluster, avoid?: string): Promise<SwarmNodeRow[]> {
      const list = (m: ActualNode) => remote.check(m, swarm.nodes(), { reason: 'NodesUnavailable', what: 'listing swarm nodes' });
      const rows = parseSwarmNodes(await remote.viaManager(cluster, 'list swarm nodes', list, avoid ? { avoid } : {}));
      for (const r of rows) assertSafe(r.id, 'a swarm node id from docker node ls');
      return rows;
    },
    /**
     * The node's row in the swarm: by the member id recorded at join, else by asking the node
     * itself (skipped when it cannot be reached). Undefined when it is not (or no longer) a member.
     */
    async find(cluster: OrchestratorCluster, node: ActualNode, known?: readonly SwarmNodeRow[]): Promise<SwarmNodeRow | undefined> {
      const id = cluster.members[node.id] ?? (await ownId(node));
      if (!id) return undefined;
      const rows = known ?? (await ops.nodes(cluster, node.id));
      return rows.find((r) => r.id === id);
    },
  };
  async function ownId(node: ActualNode): Promise<string | undefined> {
    const result = await remote.tryRun(node, swarm.info());
    if (!result || result.code !== 0) return undefined;
    const info = parseSwarmInfo(result.stdout);
    return info.state === 'active' && info.nodeId ? info.nodeId : undefined;
  }
  return ops;
}

/** The member id of a node that is in a swarm; the other states are waited for or reported. */
function joinedId(node: ActualNode, info: SwarmInfo, requeueMs: number): string {
  if (info.state === 'active' && info.nodeId) return assertSafe(info.nodeId, `the swarm node id of ${node.id}`);
  if (info.state === 'pending') throw new WaitingError('JoinPending', `${node.id} is still joining the swarm`, requeueMs);
  if (info.state === 'locked') throw new StalledError('SwarmLocked', `the swarm on ${node.id} is locked; unlock it with its unlock key`);
  throw new TransientError('NotInSwarm', `${node.id} reports swarm state "${info.state}"`);
}

/** Our node id for a swarm member id, from the ids recorded at join (the member id otherwise). */
function nodeNames(cluster: OrchestratorCluster): (memberId: string) => string {
  const byMember = new Map(Object.entries(cluster.members).map(([nodeId, memberId]) => [memberId, nodeId]));
  return (memberId) => byMember.get(memberId) ?? memberId;
}
