import type { ActualNode } from '../../domain/plan/types.js';
import type { Logger } from '../../logger.js';
import { TransientError } from '../../reconcile/errors.js';
import { k3s } from '../commands.js';
import type { SshRunner } from '../ssh/types.js';
import type { OrchestratorAdapter, OrchestratorCluster } from '../types.js';
import { createDrainBudget, drainRefusal, lastManagerRefusal, quorumRefusal } from '../swarm/guards.js';
import { assertSafe, commandFailed, createRemote, type Remote } from '../swarm/remote.js';
import { describeBlockers, kubernetesNodeName, parseDrainBlockers, parseK3sNodes, type K3sNodeRow } from './parse.js';

/** What the k3s adapter needs. Every side effect is injected. */
export interface K3sAdapterConfig {
  ssh: SshRunner;
  /** SSH port on every node; default 22. */
  port?: number;
  /** SSH user; default `root`. */
  username?: string;
  /**
   * `timeoutS`: the drain budget from the first attempt. Each pass runs `kubectl drain` for at
   * most `stepS` (default 30 s) and then requeues after `pollMs` (default 5 s), so a pass never
   * blocks for the whole budget.
   */
  drain: { timeoutS: number; stepS?: number; pollMs?: number };
  /** Wall clock for the drain budget; `clock.now` or `now`, default `Date.now`. */
  clock?: { now(): number };
  now?: () => number;
  /** Per-command SSH timeout; default 60 s. */
  commandTimeoutMs?: number;
  /** Timeout of the k3s install script (`init`, `join`); default 5 min. */
  installTimeoutMs?: number;
  logger?: Logger;
}

/**
 * k3s with embedded etcd over SSH (DESIGN §7), with the OrchestratorAdapter failure contract.
 * Managers are k3s servers (etcd members), workers are agents; the member id is the Kubernetes
 * node name (`node_003` → `node-003`). kubectl runs on any running server, failing over.
 */
export function createK3sAdapter(config: K3sAdapterConfig): OrchestratorAdapter {
  const now = config.now ?? (config.clock ? () => config.clock!.now() : Date.now);
  const pollMs = config.drain.pollMs ?? 5_000;
  const timeoutMs = config.drain.timeoutS * 1000;
  const commandTimeoutMs = config.commandTimeoutMs ?? 60_000;
  const installTimeoutMs = config.installTimeoutMs ?? 300_000;
  const remote = createRemote({
    ssh: config.ssh,
    port: config.port ?? 22,
    username: config.username ?? 'root',
    timeoutMs: commandTimeoutMs,
    requeueMs: pollMs,
    ...(config.logger ? { logger: config.logger } : {}),
  });
  const budget = createDrainBudget(timeoutMs, now);
  const ops = k3sOps(remote);

  return {
    async init(_cluster, node) {
      const name = nodeName(node);
      if (await ops.active(node)) return name;
      const result = await remote.run(node, k3s.initServer(remote.address(node), name), { timeoutMs: installTimeoutMs });
      if (result.code !== 0 && !(await ops.active(node))) throw commandFailed('InitFailed', `k3s server install on ${node.id}`, result);
      return name;
    },

    async join(cluster, node) {
      const name = nodeName(node);
      if (await ops.active(node)) return name;
      const { token, manager } = await ops.joinToken(cluster, node);
      const [serverIp, ip] = [remote.address(manager), remote.address(node)];
      const command = node.role === 'manager' ? k3s.joinServer(token, serverIp, ip, name) : k3s.joinAgent(token, serverIp, ip, name);
      const result = await remote.run(node, command, { timeoutMs: installTimeoutMs, redact: [token] });
      if (result.code !== 0 && !(await ops.active(node))) {
        throw commandFailed('JoinFailed', `k3s ${node.role === 'manager' ? 'server' : 'agent'} join of ${node.id} through ${manager.id}`, result, [token]);
      }
      return name;
    },

    async members(cluster) {
      const rows = await ops.nodes(cluster);
      return rows.map((r) => ({ memberId: r.name, ready: r.ready, manager: r.server, draining: r.draining }));
    },

    async drain(cluster, node) {
      const key = `${cluster.clusterId}/${node.id}`;
      const name = memberName(cluster, node);
      const row = (await ops.nodes(cluster, node.id)).find((r) => r.name === name);
      // Gone already, or NotReady: its pods cannot be evicted gracefully, and deleting the
      // node object (remove) is what lets their controllers replace them.
      if (!row || !row.ready) return budget.clear(key);
      const started = budget.elapsed(key);
      if (!row.draining) await remote.viaManager(cluster, `cordon ${node.id}`, (m) => remote.check(m, k3s.cordon(name), { reason: 'CordonFailed', what: `cordoning ${node.id}` }));
      const stepS = Math.max(1, Math.min(config.drain.stepS ?? 30, Math.ceil((timeoutMs - started) / 1000)));
      const result = await remote.viaManager(cluster, `drain ${node.id}`, (m) => remote.run(m, k3s.drain(name, stepS), { timeoutMs: stepS * 1000 + commandTimeoutMs }), {
        avoid: node.id,
      });
      if (result.code === 0) return budget.clear(key);
      const output = `${result.stdout}\n${result.stderr}`;
      if (output.includes(`nodes "${name}" not found`)) return budget.clear(key);
      const blockers = describeBlockers(parseDrainBlockers(output));
      throw drainRefusal(budget, key, budget.elapsed(key), timeoutMs, pollMs, { nodeId: node.id, blockers });
    },

    async remove(cluster, node) {
      budget.clear(`${cluster.clusterId}/${node.id}`);
      const name = memberName(cluster, node);
      const rows = await ops.nodes(cluster, node.id);
      const row = rows.find((r) => r.name === name);
      if (row) {
        const lastServer = row.server && checkServerRemoval(cluster, row, rows);
        if (!lastServer) {
          await remote.viaManager(cluster, `delete node ${node.id}`, (m) => remote.check(m, k3s.deleteNode(name), { reason: 'DeleteNodeFailed', what: `deleting node ${name}` }), {
            exclude: node.id,
          });
        }
      }
      // The node itself only if it answers: a NotReady (lost) node is skipped without waiting on SSH.
      if (!row || row.ready) await uninstall(node);
    },

    async leave(node) {
      // Not running (never installed, or a failed install): the next join re-runs the install script.
      if (!(await ops.active(node))) return;
      // The uninstall script removes the agent's (or server's) state, certificates and node
      // password, so a join with the new server's URL and token registers the node afresh.
      const result = await remote.run(node, k3s.uninstall(node.role === 'manager' ? 'server' : 'agent'), { timeoutMs: installTimeoutMs });
      if (result.code !== 0 && (await ops.active(node))) throw commandFailed('LeaveFailed', `k3s uninstall on ${node.id}`, result);
    },
  };

  /** Throws when taking this server out would lose etcd quorum; true when it is the last server (the cluster ends with its VM). */
  function checkServerRemoval(cluster: OrchestratorCluster, row: K3sNodeRow, rows: readonly K3sNodeRow[]): boolean {
    const names = nodeIds(cluster);
    const servers = rows.filter((r) => r.server);
    if (servers.length === 1) {
      const refusal = lastManagerRefusal(names(row.name), rows.filter((r) => r.name !== row.name && r.ready).map((r) => names(r.name)));
      if (refusal) throw refusal;
      return true;
    }
    const refusal = quorumRefusal(
      servers.map((r) => ({ memberId: r.name, reachable: r.ready })),
      row.name,
      names,
    );
    if (refusal) throw refusal;
    return false;
  }

  async function uninstall(node: ActualNode): Promise<void> {
    const status = await remote.tryRun(node, k3s.status());
    if (!status || status.stdout.trim() !== 'active') return;
    const result = await remote.tryRun(node, k3s.uninstall(node.role === 'manager' ? 'server' : 'agent'), { timeoutMs: installTimeoutMs });
    // Best effort: the node object is gone and the VM is deleted next.
    if (result && result.code !== 0) config.logger?.warn({ nodeId: node.id, code: result.code }, `k3s uninstall on ${node.id} failed`);
  }
}

function k3sOps(remote: Remote) {
  return {
    /** Whether k3s (server or agent) already runs on the node. */
    async active(node: ActualNode): Promise<boolean> {
      return (await remote.check(node, k3s.status(), { reason: 'K3sStatusUnavailable', what: 'k3s status' })).trim() === 'active';
    },
    async nodes(cluster: OrchestratorCluster, avoid?: string): Promise<K3sNodeRow[]> {
      const list = (m: ActualNode) => remote.check(m, k3s.nodes(), { reason: 'NodesUnavailable', what: 'listing Kubernetes nodes' });
      return parseK3sNodes(await remote.viaManager(cluster, 'list Kubernetes nodes', list, avoid ? { avoid } : {}));
    },
    /** The cluster token, read on a running server other than the node. */
    async joinToken(cluster: OrchestratorCluster, node: ActualNode): Promise<{ token: string; manager: ActualNode }> {
      const read = async (manager: ActualNode) => {
        const out = await remote.check(manager, k3s.token(), { reason: 'JoinTokenUnavailable', what: 'reading the k3s token' });
        return { manager, token: assertSafe(out.trim(), `the k3s token read on ${manager.id}`) };
      };
      return remote.viaManager(cluster, 'read the k3s token', read, { exclude: node.id });
    },
  };
}

/** The node name we give a node at init/join; checked because it goes into commands. */
function nodeName(node: ActualNode): string {
  const name = kubernetesNodeName(node.id);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) throw new TransientError('InvalidNodeName', `${node.id} does not map to a Kubernetes node name`);
  return name;
}

/** The recorded member id (the node name given at join), else the name we would have given. */
function memberName(cluster: OrchestratorCluster, node: ActualNode): string {
  return assertSafe(cluster.members[node.id] ?? nodeName(node), `the node name of ${node.id}`);
}

/** Our node id for a Kubernetes node name. */
function nodeIds(cluster: OrchestratorCluster): (name: string) => string {
  const byName = new Map(Object.entries(cluster.members).map(([nodeId, name]) => [name, nodeId]));
  return (name) => byName.get(name) ?? name;
}
