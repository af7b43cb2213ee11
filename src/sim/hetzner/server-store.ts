import type { Clock } from '../common/clock.js';
import type { IpAllocator } from '../common/ip-pool.js';
import type { VmHooks } from '../common/types.js';
import { savedNumber, savedObject, savedRecords } from '../state/shape.js';

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
  /** Ids of the project keys named in `ssh_keys`; absent for seeded servers (no opinion). */
  sshKeyIds?: number[];
  /** When DELETE was accepted; the server is gone `deleteMs` later. */
  deletingSince?: number;
}

/** An SSH key of the project (`/v1/ssh_keys`); names and fingerprints are unique per project. */
export interface SshKeyRecord {
  id: number;
  name: string;
  publicKey: string;
  fingerprint: string;
  labels: Record<string, string>;
  createdAt: number;
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
  sshKeyIds?: number[];
}

/** The store as saved: servers and actions with their absolute timestamps, and the counters. */
export interface ServerStoreSnapshot {
  servers: ServerRecord[];
  actions: ActionRecord[];
  sshKeys: SshKeyRecord[];
  nextServerId: number;
  nextActionId: number;
  nextSshKeyId: number;
  nextIpv6: number;
}

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
 * The emulator's world: servers, actions and the project's SSH keys. Time is only read (lazily, from the injected
 * clock): a server boots `initializing → starting → running` over `bootMs`, and a deleted one
 * is `deleting` for `deleteMs`, then gone — swept on the next read, which fires `hooks.deleted`.
 */
export class ServerStore {
  private servers = new Map<number, ServerRecord>();
  private actions = new Map<number, ActionRecord>();
  private sshKeys = new Map<number, SshKeyRecord>();
  private nextServerId = 1_000_001;
  private nextActionId = 5_000_001;
  private nextSshKeyId = 3_000_001;
  private nextIpv6 = 1;
  readonly counters = { refusedUnavailable: 0, refusedLocked: 0 };

  constructor(private readonly o: StoreOptions) {}

  snapshot(): ServerStoreSnapshot {
    const { nextServerId, nextActionId, nextSshKeyId, nextIpv6 } = this;
    return structuredClone({ servers: [...this.servers.values()], actions: [...this.actions.values()], sshKeys: this.sshKeyList(), nextServerId, nextActionId, nextSshKeyId, nextIpv6 });
  }

  /** Replaces the store's contents with saved ones; no hook fires (the servers existed all along). */
  restore(saved: unknown): void {
    const s = savedObject(saved, 'hetzner');
    this.servers = new Map(savedRecords<ServerRecord>(s.servers, 'hetzner.servers').map((r) => [savedNumber(r.id, 'server id'), r]));
    this.actions = new Map(savedRecords<ActionRecord>(s.actions, 'hetzner.actions').map((a) => [savedNumber(a.id, 'action id'), a]));
    this.nextServerId = savedNumber(s.nextServerId, 'hetzner.nextServerId');
    this.nextActionId = savedNumber(s.nextActionId, 'hetzner.nextActionId');
    this.nextIpv6 = savedNumber(s.nextIpv6, 'hetzner.nextIpv6');
    // A file from before project keys were simulated has none.
    this.sshKeys = new Map(savedRecords<SshKeyRecord>(s.sshKeys ?? [], 'hetzner.sshKeys').map((k) => [savedNumber(k.id, 'ssh key id'), k]));
    this.nextSshKeyId = s.nextSshKeyId === undefined ? this.nextSshKeyId : savedNumber(s.nextSshKeyId, 'hetzner.nextSshKeyId');
  }

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
      ...(input.sshKeyIds ? { sshKeyIds: [...input.sshKeyIds] } : {}),
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

  addSshKey(input: Omit<SshKeyRecord, 'id' | 'createdAt'>): SshKeyRecord {
    const key: SshKeyRecord = { ...input, labels: { ...input.labels }, id: this.nextSshKeyId++, createdAt: this.o.clock.now() };
    this.sshKeys.set(key.id, key);
    return key;
  }

  sshKeyList(): SshKeyRecord[] {
    return [...this.sshKeys.values()].sort((a, b) => a.id - b.id);
  }

  /** A key by id, or by name (as `ssh_keys` on create takes either). */
  sshKey(ref: number | string): SshKeyRecord | undefined {
    return typeof ref === 'number' ? this.sshKeys.get(ref) : this.sshKeyList().find((k) => k.name === ref);
  }

  deleteSshKey(id: number): void {
    this.sshKeys.delete(id);
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
