import { savedNumber, savedObject, savedRecords } from '../state/shape.js';
import type { K3sCluster, K3sNode } from './k3s-model.js';
import type { HostState } from './state.js';
import type { Swarm, SwarmNode } from './swarm-model.js';

/** A swarm as saved: its maps as lists and objects. */
export interface SavedSwarm extends Omit<Swarm, 'nodes' | 'services'> {
  nodes: SwarmNode[];
  services: Record<string, number>;
}

/** A k3s cluster as saved (join token included: the file stays in the data directory, mode 0600). */
export interface SavedK3sCluster extends Omit<K3sCluster, 'nodes' | 'deployments'> {
  nodes: K3sNode[];
  deployments: Record<string, { replicas: number; hash: string }>;
}

/** Everything the simulated machines hold: hosts (with their faults), swarms, k3s clusters, the id counter. */
export interface SimHostWorldSnapshot {
  hosts: HostState[];
  swarms: SavedSwarm[];
  k3s: SavedK3sCluster[];
  ids: number;
}

export function saveSwarm(swarm: Swarm): SavedSwarm {
  return structuredClone({ ...swarm, nodes: [...swarm.nodes.values()], services: Object.fromEntries(swarm.services) });
}

export function saveK3s(cluster: K3sCluster): SavedK3sCluster {
  return structuredClone({ ...cluster, nodes: [...cluster.nodes.values()], deployments: Object.fromEntries(cluster.deployments) });
}

/** Checks and unpacks a saved world (throws SavedShapeError on a bad shape). */
export function readWorldSnapshot(saved: unknown): { hosts: HostState[]; swarms: Swarm[]; k3s: K3sCluster[]; ids: number } {
  const s = savedObject(saved, 'hosts.world');
  const swarms = savedRecords<SavedSwarm>(s.swarms, 'hosts.world.swarms').map((w) => ({
    ...w,
    nodes: new Map(savedRecords<SwarmNode>(w.nodes, `swarm ${w.id} nodes`).map((n) => [n.id, n])),
    services: new Map(Object.entries(savedObject(w.services, `swarm ${w.id} services`)).map(([k, v]) => [k, savedNumber(v, `service ${k} replicas`)])),
    tasks: savedRecords<Swarm['tasks'][number]>(w.tasks, `swarm ${w.id} tasks`),
  }));
  const k3s = savedRecords<SavedK3sCluster>(s.k3s, 'hosts.world.k3s').map((c) => ({
    ...c,
    nodes: new Map(savedRecords<K3sNode>(c.nodes, `k3s ${c.id} nodes`).map((n) => [n.name, n])),
    deployments: new Map(Object.entries(savedObject(c.deployments, `k3s ${c.id} deployments`)) as [string, { replicas: number; hash: string }][]),
    pods: savedRecords<K3sCluster['pods'][number]>(c.pods, `k3s ${c.id} pods`),
  }));
  return { hosts: savedRecords<HostState>(s.hosts, 'hosts.world.hosts'), swarms, k3s, ids: savedNumber(s.ids, 'hosts.world.ids') };
}
