import type { IdSource } from './ids.js';

/** One simulated machine: what its Docker daemon and its k3s install believe. */
export interface HostState {
  ip: string;
  hostname: string;
  /** Powered off or cut off: SSH refuses, its cluster sees it Down / NotReady. */
  down: boolean;
  /** The VM was deleted; a later VM at the address is a new host (`addHost`). */
  gone: boolean;
  /**
   * The root password has expired (a DigitalOcean or Hetzner VM created without a provider SSH
   * key): key authentication works, every command is refused until the password is changed.
   */
  passwordExpired: boolean;
  /** Join attempts still to refuse (fault). */
  refuseJoins: number;
  /** Name of a task/pod pinned to this host that a drain cannot move (fault), or null. */
  drainBlocker: string | null;
  /** The local Docker daemon's swarm membership (`docker info` LocalNodeState active). */
  docker: { swarmId: string; nodeId: string } | null;
  /** k3s as installed here; `clusterId` null when its service failed to start. */
  k3s: { role: 'server' | 'agent'; clusterId: string | null; nodeName: string } | null;
}

/** What the swarm and k3s models need from the world around them. */
export interface WorldContext {
  now(): number;
  ids: IdSource;
  /** Delay before Swarm reschedules tasks off a drained, down or departed node (ms). */
  drainDelayMs: number;
  /** The host at `ip`, if the world has ever seen it. */
  host(ip: string): HostState | undefined;
}

/** The host is there and answering. */
export const isUp = (host: HostState | undefined): host is HostState => host !== undefined && !host.down && !host.gone;
