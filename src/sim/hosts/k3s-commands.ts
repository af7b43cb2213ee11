import type { CommandResult } from '../../orchestrators/ssh/types.js';
import { fail, kubeAge, lines, ok, table } from './format.js';
import { KUBE_ALPHABET } from './ids.js';
import type { HostCommand } from './parse.js';
import { isUp, type HostState, type WorldContext } from './state.js';
import { hasEtcdQuorum, isNodeReady, K3S_VERSION, newPod, settleK3s, type K3sCluster, type K3sNode } from './k3s-model.js';

type K3sCommand = Extract<HostCommand, { kind: `k3s.${string}` }>;
type Install = Extract<HostCommand, { kind: 'k3s.install' }>;
type Kubectl = Extract<HostCommand, { kind: 'k3s.nodes' | 'k3s.cordon' | 'k3s.drain' | 'k3s.deleteNode' }>;

const notFound = (name: string) => fail(`Error from server (NotFound): nodes "${name}" not found`);

/** k3s's install script, kubectl and uninstall scripts for the `k3s.*` commands, on `host`. */
export class K3sEngine {
  readonly clusters = new Map<string, K3sCluster>();

  constructor(private readonly ctx: WorldContext) {}

  settleAll(): void {
    for (const cluster of this.clusters.values()) settleK3s(this.ctx, cluster);
  }

  clusterOf(host: HostState): K3sCluster | undefined {
    return host.k3s?.clusterId ? this.clusters.get(host.k3s.clusterId) : undefined;
  }

  run(host: HostState, cmd: K3sCommand): CommandResult {
    switch (cmd.kind) {
      case 'k3s.status':
        return ok(host.k3s?.clusterId ? 'active\n' : 'inactive\n');
      case 'k3s.install':
        return this.install(host, cmd);
      case 'k3s.token': {
        const cluster = host.k3s?.role === 'server' ? this.clusterOf(host) : undefined;
        return cluster ? ok(`${cluster.token}\n`) : fail('cat: /var/lib/rancher/k3s/server/node-token: No such file or directory');
      }
      case 'k3s.uninstall': {
        const script = cmd.role === 'server' ? 'k3s-uninstall.sh' : 'k3s-agent-uninstall.sh';
        if (host.k3s?.role !== cmd.role) return fail(`bash: line 1: /usr/local/bin/${script}: No such file or directory`, 127);
        // The Node object (and a server's etcd membership) stays behind until `kubectl delete node`.
        host.k3s = null;
        this.settleAll();
        return ok();
      }
      default:
        return this.kubectl(host, cmd);
    }
  }

  private install(host: HostState, cmd: Install): CommandResult {
    const service = cmd.role === 'server' ? 'k3s' : 'k3s-agent';
    const progress = installLog(cmd.role);
    const failed = (): CommandResult => {
      host.k3s ??= { role: cmd.role, clusterId: null, nodeName: cmd.nodeName };
      return fail(`Job for ${service}.service failed because the control process exited with error code.\nSee "systemctl status ${service}.service" and "journalctl -xeu ${service}.service" for details.`, 1, progress);
    };
    const target = cmd.clusterInit ? undefined : this.reachableServer(cmd.serverIp ?? '');
    if (host.k3s?.clusterId) {
      // Re-running the script restarts the service: fine when it is the same node of the same cluster.
      const same = host.k3s.role === cmd.role && host.k3s.nodeName === cmd.nodeName && (cmd.clusterInit || target?.id === host.k3s.clusterId);
      return same ? ok(progress) : failed();
    }
    if (cmd.nodeIp !== host.ip) return failed();
    if (cmd.clusterInit) {
      const cluster: K3sCluster = { id: this.ctx.ids.next(12), token: `K10${this.ctx.ids.hex(64)}::server:${this.ctx.ids.hex(32)}`, nodes: new Map(), pods: [], deployments: new Map() };
      this.clusters.set(cluster.id, cluster);
      this.addNode(cluster, host, cmd);
      return ok(progress);
    }
    if (host.refuseJoins > 0) {
      host.refuseJoins -= 1;
      return failed();
    }
    // A name already registered keeps its node password: a new install under it is rejected.
    if (!target || cmd.token !== target.token || !hasEtcdQuorum(this.ctx, target) || target.nodes.has(cmd.nodeName)) return failed();
    this.addNode(target, host, cmd);
    return ok(progress);
  }

  private reachableServer(ip: string): K3sCluster | undefined {
    const host = this.ctx.host(ip);
    return isUp(host) && host.k3s?.role === 'server' ? this.clusterOf(host) : undefined;
  }

  private addNode(cluster: K3sCluster, host: HostState, cmd: Install): void {
    cluster.nodes.set(cmd.nodeName, { name: cmd.nodeName, ip: host.ip, role: cmd.role, createdAt: this.ctx.now(), cordoned: false, etcd: cmd.role === 'server' });
    host.k3s = { role: cmd.role, clusterId: cluster.id, nodeName: cmd.nodeName };
    settleK3s(this.ctx, cluster);
  }

  private kubectl(host: HostState, cmd: Kubectl): CommandResult {
    if (!host.k3s) return fail('bash: line 1: k3s: command not found', 127);
    if (host.k3s.role === 'agent') return fail('The connection to the server localhost:8080 was refused - did you specify the right host or port?');
    const cluster = this.clusterOf(host);
    if (!cluster || !cluster.nodes.has(host.k3s.nodeName)) return fail('The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?');
    settleK3s(this.ctx, cluster);
    if (!hasEtcdQuorum(this.ctx, cluster)) return fail('Error from server: etcdserver: request timed out');
    if (cmd.kind === 'k3s.nodes') return ok(this.nodeTable(cluster));
    const node = cluster.nodes.get(cmd.nodeName);
    if (!node) return notFound(cmd.nodeName);
    switch (cmd.kind) {
      case 'k3s.cordon': {
        const was = node.cordoned;
        node.cordoned = true;
        return ok(`node/${node.name} ${was ? 'already cordoned' : 'cordoned'}\n`);
      }
      case 'k3s.drain':
        return this.drain(cluster, node, cmd.timeoutS);
      case 'k3s.deleteNode':
        cluster.nodes.delete(node.name);
        settleK3s(this.ctx, cluster);
        return ok(`node "${node.name}" deleted\n`);
    }
  }

  private nodeTable(cluster: K3sCluster): string {
    const now = this.ctx.now();
    const rows = [...cluster.nodes.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((n) => [
        n.name,
        `${isNodeReady(this.ctx, cluster, n) ? 'Ready' : 'NotReady'}${n.cordoned ? ',SchedulingDisabled' : ''}`,
        n.role === 'server' ? 'control-plane,etcd,master' : '<none>',
        kubeAge(now - n.createdAt),
        K3S_VERSION,
      ]);
    return table(rows);
  }

  /**
   * `kubectl drain`: cordon, then evict every pod (their Deployments recreate them elsewhere).
   * A pod under a PodDisruptionBudget holds the drain until `--timeout` while the others go; on
   * a NotReady node nothing goes (its kubelet never confirms termination). The simulation reports
   * the timeout at once instead of waiting for it.
   */
  private drain(cluster: K3sCluster, node: K3sNode, timeoutS: number): CommandResult {
    const out = [`node/${node.name} ${node.cordoned ? 'already cordoned' : 'cordoned'}`];
    node.cordoned = true;
    const pods = cluster.pods.filter((p) => p.nodeName === node.name).sort((a, b) => a.name.localeCompare(b.name));
    out.push(...pods.map((p) => `evicting pod default/${p.name}`));
    const ready = isNodeReady(this.ctx, cluster, node);
    if (!ready && pods[0]) return fail(drainFailure(node.name, pods[0].name, false, timeoutS), 1, lines(out));
    for (const pod of pods.filter((p) => !p.pdb)) {
      cluster.pods = cluster.pods.filter((p) => p !== pod);
      if (pod.deployment) newPod(this.ctx, cluster, pod.deployment);
      out.push(`pod/${pod.name} evicted`);
    }
    settleK3s(this.ctx, cluster);
    const blocked = pods.find((p) => p.pdb);
    if (blocked) return fail(drainFailure(node.name, blocked.name, true, timeoutS), 1, lines(out));
    out.push(`node/${node.name} drained`);
    return ok(lines(out));
  }

  /** Adds a Deployment whose replicas spread over schedulable nodes. */
  createDeployment(host: HostState, name: string, replicas: number): void {
    const cluster = host.k3s?.role === 'server' ? this.clusterOf(host) : undefined;
    if (!cluster) throw new Error(`${host.ip} is not a k3s server`);
    if (cluster.deployments.has(name)) throw new Error(`deployment ${name} already exists`);
    cluster.deployments.set(name, { replicas, hash: this.ctx.ids.next(10, KUBE_ALPHABET) });
    for (let i = 0; i < replicas; i++) newPod(this.ctx, cluster, name);
    settleK3s(this.ctx, cluster);
  }
}

function drainFailure(node: string, pod: string, pdb: boolean, timeoutS: number): string {
  const cause = pdb ? `error when evicting pods/"${pod}" -n "default"` : `error when waiting for pod "${pod}" in namespace "default" to terminate`;
  const first = pdb ? `error when evicting pods/"${pod}" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.\n` : '';
  return (
    `${first}error: unable to drain node "${node}" due to error: [${cause}: global timeout reached: ${timeoutS}s], continuing command...\n` +
    `There are pending nodes to be drained:\n ${node}\n${cause}: global timeout reached: ${timeoutS}s`
  );
}

function installLog(role: 'server' | 'agent'): string {
  const service = role === 'server' ? 'k3s' : 'k3s-agent';
  const base = `https://github.com/k3s-io/k3s/releases/download/${K3S_VERSION}`;
  return lines([
    '[INFO]  Finding release for channel stable',
    `[INFO]  Using ${K3S_VERSION} as release`,
    `[INFO]  Downloading hash ${base}/sha256sum-amd64.txt`,
    `[INFO]  Downloading binary ${base}/k3s`,
    '[INFO]  Verifying binary download',
    '[INFO]  Installing k3s to /usr/local/bin/k3s',
    `[INFO]  Creating uninstall script /usr/local/bin/${service}-uninstall.sh`,
    `[INFO]  env: Creating environment file /etc/systemd/system/${service}.service.env`,
    `[INFO]  systemd: Creating service file /etc/systemd/system/${service}.service`,
    `[INFO]  systemd: Enabling ${service} unit`,
    `[INFO]  systemd: Starting ${service}`,
  ]);
}
