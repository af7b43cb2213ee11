import type { HostState, WorldContext } from './state.js';
import { isUp } from './state.js';

/** A member of a simulated swarm, as the managers' raft store holds it. */
export interface SwarmNode {
  id: string;
  ip: string;
  hostname: string;
  role: 'manager' | 'worker';
  availability: 'active' | 'pause' | 'drain';
  /** Left with `docker swarm leave`: listed as Down until `docker node rm`. */
  left: boolean;
  /** Since when it cannot run tasks (drained, down, left); null while it can. */
  unavailableSince: number | null;
}

/** One replica of a service (or the drain-blocker's pinned task). */
export interface SwarmTask {
  id: string;
  service: string;
  slot: number;
  /** null: pending, nowhere to run. */
  nodeId: string | null;
  since: number;
  /** The drain-blocker fault: constrained to its node, never moves. */
  pinned: boolean;
}

/** A simulated swarm: nodes, tokens, leader and services. */
export interface Swarm {
  id: string;
  /** The CA digest part of every join token. */
  caDigest: string;
  secrets: Record<'worker' | 'manager', string>;
  nodes: Map<string, SwarmNode>;
  leaderId: string | null;
  services: Map<string, number>;
  tasks: SwarmTask[];
}

/** A swarm node as tests see it (Docker API words: ready/down, active/drain, leader/reachable/unreachable). */
export interface SimSwarmNodeView {
  id: string;
  ip: string;
  hostname: string;
  role: 'manager' | 'worker';
  availability: 'active' | 'pause' | 'drain';
  status: 'ready' | 'down';
  managerStatus: 'leader' | 'reachable' | 'unreachable' | null;
  /** Names of the tasks running there (`web.1`), sorted. */
  tasks: string[];
}

/** A simulated swarm as tests see it. */
export interface SimSwarmView {
  id: string;
  hasQuorum: boolean;
  leaderId: string | null;
  /** Sorted by hostname, as `docker node ls` lists them. */
  nodes: SimSwarmNodeView[];
  services: { name: string; replicas: number }[];
  /** Tasks with nowhere to run. */
  pendingTasks: string[];
}

export const joinToken = (swarm: Swarm, role: 'worker' | 'manager') => `SWMTKN-1-${swarm.caDigest}-${swarm.secrets[role]}`;
export const taskName = (t: SwarmTask) => `${t.service}.${t.slot}`;

/** Up, and its daemon still holds this membership. */
export function isReady(ctx: WorldContext, node: SwarmNode): boolean {
  const host = ctx.host(node.ip);
  return !node.left && isUp(host) && host.docker?.nodeId === node.id;
}

export function managersOf(swarm: Swarm): SwarmNode[] {
  return [...swarm.nodes.values()].filter((n) => n.role === 'manager');
}

export function hasQuorum(ctx: WorldContext, swarm: Swarm): boolean {
  const managers = managersOf(swarm);
  return managers.filter((m) => isReady(ctx, m)).length * 2 > managers.length;
}

/** Resolves a node reference as the Docker CLI does: full id, unique id prefix, or hostname. */
export function findNode(swarm: Swarm, ref: string): SwarmNode | undefined {
  const nodes = [...swarm.nodes.values()];
  const exact = nodes.find((n) => n.id === ref) ?? nodes.find((n) => n.hostname === ref);
  if (exact) return exact;
  const prefixed = nodes.filter((n) => n.id.startsWith(ref));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/**
 * Brings a swarm up to date with the world at `ctx.now()`: elects a leader among reachable
 * managers while a majority is up, keeps drain-blocker tasks on their hosts, and — only with a
 * leader, as Swarm cannot schedule without quorum — moves tasks off nodes that have been
 * unavailable for `drainDelayMs` onto the least-loaded active node, leaving them in place when
 * there is none.
 */
export function settleSwarm(ctx: WorldContext, swarm: Swarm): void {
  const now = ctx.now();
  const reachable = managersOf(swarm).filter((m) => isReady(ctx, m));
  if (!hasQuorum(ctx, swarm)) swarm.leaderId = null;
  else if (!reachable.some((m) => m.id === swarm.leaderId)) swarm.leaderId = [...reachable].sort((a, b) => a.id.localeCompare(b.id))[0]?.id ?? null;
  for (const node of swarm.nodes.values()) {
    const available = isReady(ctx, node) && node.availability === 'active';
    node.unavailableSince = available ? null : (node.unavailableSince ?? now);
  }
  syncBlockers(ctx, swarm);
  if (swarm.leaderId === null) return;
  for (const task of swarm.tasks) {
    if (task.pinned) continue;
    const node = task.nodeId === null ? undefined : swarm.nodes.get(task.nodeId);
    if (node && (node.unavailableSince === null || now < node.unavailableSince + ctx.drainDelayMs)) continue;
    const target = leastLoaded(ctx, swarm);
    if (target) Object.assign(task, { id: ctx.ids.next(25), nodeId: target.id, since: now });
    else if (!node) task.nodeId = null;
  }
}

/** Places a new task (a service replica) now. */
export function placeTask(ctx: WorldContext, swarm: Swarm, service: string, slot: number): void {
  swarm.tasks.push({ id: ctx.ids.next(25), service, slot, nodeId: leastLoaded(ctx, swarm)?.id ?? null, since: ctx.now(), pinned: false });
}

function leastLoaded(ctx: WorldContext, swarm: Swarm): SwarmNode | undefined {
  const load = (n: SwarmNode) => swarm.tasks.filter((t) => t.nodeId === n.id).length;
  return [...swarm.nodes.values()]
    .filter((n) => n.availability === 'active' && isReady(ctx, n))
    .sort((a, b) => load(a) - load(b) || a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id))[0];
}

function syncBlockers(ctx: WorldContext, swarm: Swarm): void {
  const wanted = new Map<string, string>();
  for (const node of swarm.nodes.values()) {
    const blocker = ctx.host(node.ip)?.drainBlocker;
    if (blocker && !node.left) wanted.set(node.id, blocker);
  }
  swarm.tasks = swarm.tasks.filter((t) => !t.pinned || (t.nodeId !== null && wanted.get(t.nodeId) === t.service));
  for (const [nodeId, service] of wanted) {
    if (!swarm.tasks.some((t) => t.pinned && t.nodeId === nodeId)) swarm.tasks.push({ id: ctx.ids.next(25), service, slot: 1, nodeId, since: ctx.now(), pinned: true });
  }
}

export function viewSwarm(ctx: WorldContext, swarm: Swarm): SimSwarmView {
  const nodes = [...swarm.nodes.values()].sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
  return {
    id: swarm.id,
    hasQuorum: hasQuorum(ctx, swarm),
    leaderId: swarm.leaderId,
    nodes: nodes.map((n) => ({
      id: n.id,
      ip: n.ip,
      hostname: n.hostname,
      role: n.role,
      availability: n.availability,
      status: isReady(ctx, n) ? 'ready' : 'down',
      managerStatus: managerStatus(ctx, swarm, n),
      tasks: swarm.tasks.filter((t) => t.nodeId === n.id).map(taskName).sort(),
    })),
    services: [...swarm.services].map(([name, replicas]) => ({ name, replicas })),
    pendingTasks: swarm.tasks.filter((t) => t.nodeId === null).map(taskName).sort(),
  };
}

export function managerStatus(ctx: WorldContext, swarm: Swarm, node: SwarmNode): SimSwarmNodeView['managerStatus'] {
  if (node.role !== 'manager') return null;
  if (swarm.leaderId === node.id) return 'leader';
  return isReady(ctx, node) ? 'reachable' : 'unreachable';
}

/** Makes `host` a member of `swarm` as a new node. */
export function addNode(ctx: WorldContext, swarm: Swarm, host: HostState, role: SwarmNode['role']): SwarmNode {
  const node: SwarmNode = { id: ctx.ids.next(25), ip: host.ip, hostname: host.hostname, role, availability: 'active', left: false, unavailableSince: null };
  swarm.nodes.set(node.id, node);
  host.docker = { swarmId: swarm.id, nodeId: node.id };
  return node;
}
