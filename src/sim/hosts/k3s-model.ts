import { KUBE_ALPHABET } from './ids.js';
import { isUp, type WorldContext } from './state.js';

export const K3S_VERSION = 'v1.31.6+k3s1';

/** A Node object of a simulated k3s cluster. */
export interface K3sNode {
  name: string;
  ip: string;
  role: 'server' | 'agent';
  createdAt: number;
  cordoned: boolean;
  /** Servers are embedded-etcd members. */
  etcd: boolean;
}

/** A pod in namespace `default`. */
export interface Pod {
  name: string;
  /** The Deployment that owns it; null for the drain-blocker pod. */
  deployment: string | null;
  /** null: Pending. */
  nodeName: string | null;
  /** Protected by a PodDisruptionBudget that allows no disruption (the drain-blocker fault). */
  pdb: boolean;
}

/** A simulated k3s cluster (embedded etcd, one join token). */
export interface K3sCluster {
  id: string;
  token: string;
  nodes: Map<string, K3sNode>;
  pods: Pod[];
  deployments: Map<string, { replicas: number; hash: string }>;
}

/** A k3s node as tests see it. */
export interface SimK3sNodeView {
  name: string;
  ip: string;
  role: 'server' | 'agent';
  ready: boolean;
  /** Not cordoned. */
  schedulable: boolean;
  etcdMember: boolean;
  /** Pods bound there, sorted. */
  pods: string[];
}

/** A simulated k3s cluster as tests see it. */
export interface SimK3sView {
  id: string;
  hasQuorum: boolean;
  nodes: SimK3sNodeView[];
  deployments: { name: string; replicas: number }[];
  pendingPods: string[];
}

/** Its host is up and its k3s service runs as this node of this cluster. */
export function isNodeReady(ctx: WorldContext, cluster: K3sCluster, node: K3sNode): boolean {
  const host = ctx.host(node.ip);
  return isUp(host) && host.k3s?.clusterId === cluster.id && host.k3s.nodeName === node.name;
}

/** Embedded etcd has a majority of its members up. */
export function hasEtcdQuorum(ctx: WorldContext, cluster: K3sCluster): boolean {
  const members = [...cluster.nodes.values()].filter((n) => n.etcd);
  return members.filter((n) => isNodeReady(ctx, cluster, n)).length * 2 > members.length;
}

/**
 * Brings a cluster up to date: keeps drain-blocker pods on their hosts' nodes, sends pods of
 * deleted nodes back to Pending, and (while the API answers, i.e. with etcd quorum) binds
 * Pending pods to the least-loaded Ready, uncordoned node.
 */
export function settleK3s(ctx: WorldContext, cluster: K3sCluster): void {
  const wanted = new Map<string, string>();
  for (const node of cluster.nodes.values()) {
    const blocker = ctx.host(node.ip)?.drainBlocker;
    if (blocker) wanted.set(node.name, blocker);
  }
  cluster.pods = cluster.pods.filter((p) => p.deployment !== null || (p.nodeName !== null && wanted.get(p.nodeName) === p.name));
  for (const [nodeName, name] of wanted) {
    if (!cluster.pods.some((p) => p.deployment === null && p.nodeName === nodeName)) cluster.pods.push({ name, deployment: null, nodeName, pdb: true });
  }
  for (const pod of cluster.pods) if (pod.nodeName !== null && !cluster.nodes.has(pod.nodeName)) pod.nodeName = null;
  if (!hasEtcdQuorum(ctx, cluster)) return;
  for (const pod of cluster.pods) if (pod.nodeName === null) pod.nodeName = leastLoaded(ctx, cluster)?.name ?? null;
}

/** A new replica of `deployment`, Pending until the next settle binds it. */
export function newPod(ctx: WorldContext, cluster: K3sCluster, deployment: string): Pod {
  const hash = cluster.deployments.get(deployment)?.hash ?? '';
  const pod: Pod = { name: `${deployment}-${hash}-${ctx.ids.next(5, KUBE_ALPHABET)}`, deployment, nodeName: null, pdb: false };
  cluster.pods.push(pod);
  return pod;
}

function leastLoaded(ctx: WorldContext, cluster: K3sCluster): K3sNode | undefined {
  const load = (n: K3sNode) => cluster.pods.filter((p) => p.nodeName === n.name).length;
  return [...cluster.nodes.values()]
    .filter((n) => !n.cordoned && isNodeReady(ctx, cluster, n))
    .sort((a, b) => load(a) - load(b) || a.name.localeCompare(b.name))[0];
}

export function viewK3s(ctx: WorldContext, cluster: K3sCluster): SimK3sView {
  return {
    id: cluster.id,
    hasQuorum: hasEtcdQuorum(ctx, cluster),
    nodes: [...cluster.nodes.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((n) => ({
        name: n.name,
        ip: n.ip,
        role: n.role,
        ready: isNodeReady(ctx, cluster, n),
        schedulable: !n.cordoned,
        etcdMember: n.etcd,
        pods: cluster.pods.filter((p) => p.nodeName === n.name).map((p) => p.name).sort(),
      })),
    deployments: [...cluster.deployments].map(([name, d]) => ({ name, replicas: d.replicas })),
    pendingPods: cluster.pods.filter((p) => p.nodeName === null).map((p) => p.name).sort(),
  };
}
