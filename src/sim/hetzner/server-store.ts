import type { Clock } from '../common/clock.js';
import type { IpAllocator } from '../common/ip-pool.js';
import type { VmHooks } from '../common/types.js';

/** Server status words of the Hetzner API that the emulator produces. */
export type ServerStatus = 'initializing' | 'starting' | 'running' | 'deleting';

/** A server as the emulator keeps it; its status is derived from the clock, never stored. */
export interface ServerRecord {
  id: number;
  name: string;
  serverType: string;
  location: string;
  image: string;
  labels: Record<string, string>;
  createdAt: number;
  ipv4: string | null;
  ipv6: string | null;
  /** When DELETE was accepted; the server is gone `deleteMs` later. */
  deletingSince?: number;
}

export type ActionCommand = 'create_server' | 'start_server' | 'delete_server';

/** An action; it runs from `startedAt` and succeeds at `finishesAt`. */
export interface ActionRecord {
  id: number;
  command: ActionCommand;
  serverId: number;
  startedAt: number;
  finishesAt: number;
}

export interface NewServer {
  name: string;
  serverType: string;
  location: string;
  image: string;
  labels: Record<string, string>;
  enableIpv4: boolean;
  enableIpv6: boolean;
}

/** A server type in a location, as `unavailable` keys it. */
export const placementKey = (serverType: string, location: string) => `${serverType}@${location}`;

export interface StoreOptions {
  clock: Clock;
  ips: IpAllocator;
  hooks: VmHooks;
  bootMs: number;
  deleteMs: number;
  /** Turns a record into the hooks' view; given by the emulator so the store stays shape-agnostic. */
  view(server: ServerRecord): Parameters<NonNullable<VmHooks['created']>>[0];
}

/**
 * The emulator's world: servers and actions. Time is only read (lazily, from the injected
 * clock): a server boots `initializing → starting → running` over `bootMs`, and a deleted one
 * is `deleting` for `deleteMs`, then gone — swept on the next read, which fires `hooks.deleted`.
 */
export class ServerStore {
  private readonly servers = new Map<number, ServerRecord>();
  private readonly actions = new Map<number, ActionRecord>();
  private nextServerId = 1_000_001;
  private nextActionId = 5_000_001;
  private nextIpv6 = 1;
  /** Server types out of stock in a location (`placementKey`): creates there answer `resource_unavailable`. */
  readonly unavailable = new Set<string>();
  readonly counters = { refusedUnavailable: 0, refusedLocked: 0 };

  constructor(private readonly o: StoreOptions) {}

  /** The server's create action while it runs: the server is locked until it finishes. */
  runningCreate(server: ServerRecord): ActionRecord | undefined {
    const now = this.o.clock.now();
    return this.actionsOf(server.id).find((a) => a.command === 'create_server' && now < a.finishesAt);
  }

  /** Every server that still exists, by id. */
  list(): ServerRecord[] {
    this.sweep();
    return [...this.servers.values()].sort((a, b) => a.id - b.id);
  }

  get(id: number): ServerRecord | undefined {
    this.sweep();
    return this.servers.get(id);
  }

  byName(name: string): ServerRecord | undefined {
    return this.list().find((s) => s.name === name);
  }

  create(input: NewServer): { server: ServerRecord; action: ActionRecord; next: ActionRecord[] } {
    const now = this.o.clock.now();
    const server: ServerRecord = {
      id: this.nextServerId++,
      name: input.name,
      serverType: input.serverType,
      location: input.location,
      image: input.image,
      labels: { ...input.labels },
      createdAt: now,
      ipv4: input.enableIpv4 ? this.o.ips.allocate() : null,
      ipv6: input.enableIpv6 ? `2001:db8:${(this.nextIpv6++).toString(16)}::/64` : null,
    };
    this.servers.set(server.id, server);
    const action = this.addAction('create_server', server.id, now, now + Math.floor(this.o.bootMs / 2));
    const start = this.addAction('start_server', server.id, now, now + this.o.bootMs);
    this.o.hooks.created?.(this.o.view(server));
    return { server, action, next: [start] };
  }

  /** Starts deleting; the running (or already finished) delete action. */
  delete(server: ServerRecord): ActionRecord {
    const existing = this.actionsOf(server.id).find((a) => a.command === 'delete_server');
    if (existing) return existing;
    const now = this.o.clock.now();
    server.deletingSince = now;
    const action = this.addAction('delete_server', server.id, now, now + this.o.deleteMs);
    this.sweep();
    return action;
  }

  status(server: ServerRecord): ServerStatus {
    if (server.deletingSince !== undefined) return 'deleting';
    const age = this.o.clock.now() - server.createdAt;
    if (age >= this.o.bootMs) return 'running';
    return age < this.o.bootMs / 2 ? 'initializing' : 'starting';
  }

  action(id: number): ActionRecord | undefined {
    return this.actions.get(id);
  }

  actionsOf(serverId: number): ActionRecord[] {
    return [...this.actions.values()].filter((a) => a.serverId === serverId);
  }

  private addAction(command: ActionCommand, serverId: number, startedAt: number, finishesAt: number): ActionRecord {
    const action: ActionRecord = { id: this.nextActionId++, command, serverId, startedAt, finishesAt };
    this.actions.set(action.id, action);
    return action;
  }

  /** Removes servers whose deletion has finished. */
  private sweep(): void {
    const now = this.o.clock.now();
    for (const server of this.servers.values()) {
      if (server.deletingSince === undefined || now < server.deletingSince + this.o.deleteMs) continue;
      this.servers.delete(server.id);
      if (server.ipv4) this.o.ips.release(server.ipv4);
      this.o.hooks.deleted?.(this.o.view(server));
    }
  }
}
