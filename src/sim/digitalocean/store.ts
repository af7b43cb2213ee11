import type { Clock } from '../common/clock.js';
import type { IpAllocator } from '../common/ip-pool.js';
import type { SimVmView, VmHooks } from '../common/types.js';
import { fromDoTags } from '../../providers/ownership.js';
import { savedNumber, savedObject, savedRecords, savedStrings } from '../state/shape.js';

/** The droplet status words of the API (reference §1.5). */
export type DropletStatus = 'new' | 'active' | 'off';

/** One droplet as the emulator keeps it; its status is computed from the clock, never stored. */
export interface DropletRecord {
  id: number;
  name: string;
  region: string;
  size: string;
  image: string | number;
  tags: string[];
  userData?: string;
  createdAt: number;
  /** When it turns `active` and shows its networks. */
  activeAt: number;
  /** Allocated at create, so a host can be attached while it "boots"; the API shows it once active. */
  ip: string;
  privateIp: string;
  createActionId: number;
  /** Ids of the account keys named in `ssh_keys`; absent for seeded droplets (no opinion). */
  sshKeyIds?: number[];
  /** When a DELETE was accepted; it is gone `deleteMs` later. */
  destroyingSince?: number;
}

/** An SSH key on the account (`/v2/account/keys`); public keys are unique per account. */
export interface SshKeyRecord {
  id: number;
  name: string;
  publicKey: string;
  fingerprint: string;
}

/** An action (`GET /v2/actions/{id}`); only creates are tracked, because DELETE answers 204 without one. */
export interface ActionRecord {
  id: number;
  type: 'create';
  dropletId: number;
  region: string;
  startedAt: number;
  completedAt: number;
}

export interface DropletInput {
  name: string;
  region: string;
  size: string;
  image: string | number;
  tags: string[];
  userData?: string;
  sshKeyIds?: number[];
}

/** The store as saved: every record with its absolute timestamps, and the id counters. */
export interface DropletStoreSnapshot {
  droplets: DropletRecord[];
  actions: ActionRecord[];
  sshKeys: SshKeyRecord[];
  tagsEverUsed: string[];
  nextDropletId: number;
  nextActionId: number;
  nextSshKeyId: number;
}

export interface StoreOptions {
  clock: Clock;
  ips: IpAllocator;
  hooks: VmHooks;
  bootMs: number;
  deleteMs: number;
  /** How long a new droplet is missing from listings (`listed`); a GET by id sees it at once. */
  listLagMs?: number;
  /** Droplets the account may have at once (default `DEFAULT_DROPLET_LIMIT`). */
  dropletLimit?: number;
  /** Droplets that may be in creation (`new`) at once (default `CONCURRENT_CREATE_LIMIT`). */
  concurrentCreateLimit?: number;
}

/**
 * The account's droplet limit ("the total number of Droplets current user or team may have active
 * at one time"): DigitalOcean sets it per account and raises it on request; 25 is the example
 * of `droplet_limit` in specification/resources/account/models/account.yml of
 * github.com/digitalocean/openapi. Tests that need more raise it, as an account owner would.
 */
export const DEFAULT_DROPLET_LIMIT = 25;
/** "You can't create more than 10 Droplets at the same time" (https://docs.digitalocean.com/products/droplets/details/limits/). */
export const CONCURRENT_CREATE_LIMIT = 10;

/** Why a create is refused before anything is made. */
export type CreateRefusal = 'droplet-limit' | 'concurrent-creates';

/** What the account's limits turned away, and the most creates seen in progress at once. */
export interface LimitCounters {
  refusedDropletLimit: number;
  refusedConcurrentCreates: number;
  refusedPendingEvent: number;
  createsInProgressHighWater: number;
}

/** The emulator's world: droplets, their create actions and the account's SSH keys. Lazy time: no timers, every read sweeps. */
export class DropletStore {
  private droplets = new Map<number, DropletRecord>();
  private actions = new Map<number, ActionRecord>();
  private sshKeys = new Map<number, SshKeyRecord>();
  private nextDropletId = 500_000_001;
  private nextActionId = 2_000_000_001;
  private nextSshKeyId = 41_000_001;
  /** Every tag a droplet ever carried: DigitalOcean keeps a tag once made, and 404s a listing by any other. */
  readonly tagsEverUsed = new Set<string>();
  dropletLimit: number;
  concurrentCreateLimit: number;
  readonly counters: LimitCounters = { refusedDropletLimit: 0, refusedConcurrentCreates: 0, refusedPendingEvent: 0, createsInProgressHighWater: 0 };

  constructor(private readonly o: StoreOptions) {
    this.dropletLimit = o.dropletLimit ?? DEFAULT_DROPLET_LIMIT;
    this.concurrentCreateLimit = o.concurrentCreateLimit ?? CONCURRENT_CREATE_LIMIT;
  }

  now(): number {
    return this.o.clock.now();
  }

  create(input: DropletInput, bootMs = this.o.bootMs): { droplet: DropletRecord; action: ActionRecord } {
    const now = this.now();
    const id = this.nextDropletId++;
    const action: ActionRecord = { id: this.nextActionId++, type: 'create', dropletId: id, region: input.region, startedAt: now, completedAt: now + bootMs };
    const droplet: DropletRecord = {
      ...input,
      id,
      createdAt: now,
      activeAt: now + bootMs,
      ip: this.o.ips.allocate(),
      privateIp: privateAddress(id),
      createActionId: action.id,
    };
    this.droplets.set(id, droplet);
    this.actions.set(action.id, action);
    for (const tag of droplet.tags) this.tagsEverUsed.add(tag);
    this.counters.createsInProgressHighWater = Math.max(this.counters.createsInProgressHighWater, this.creating());
    this.o.hooks.created?.(this.view(droplet));
    return { droplet, action };
  }

  snapshot(): DropletStoreSnapshot {
    const { nextDropletId, nextActionId, nextSshKeyId } = this;
    return structuredClone({ droplets: [...this.droplets.values()], actions: [...this.actions.values()], sshKeys: this.sshKeyList(), tagsEverUsed: [...this.tagsEverUsed], nextDropletId, nextActionId, nextSshKeyId });
  }

  /** Replaces the store's contents with saved ones; no hook fires (the VMs existed all along). */
  restore(saved: unknown): void {
    const s = savedObject(saved, 'digitalocean');
    this.droplets = new Map(savedRecords<DropletRecord>(s.droplets, 'digitalocean.droplets').map((d) => [savedNumber(d.id, 'droplet id'), d]));
    this.actions = new Map(savedRecords<ActionRecord>(s.actions, 'digitalocean.actions').map((a) => [savedNumber(a.id, 'action id'), a]));
    this.nextDropletId = savedNumber(s.nextDropletId, 'digitalocean.nextDropletId');
    this.nextActionId = savedNumber(s.nextActionId, 'digitalocean.nextActionId');
    // A file from before account keys were simulated has none.
    this.sshKeys = new Map(savedRecords<SshKeyRecord>(s.sshKeys ?? [], 'digitalocean.sshKeys').map((k) => [savedNumber(k.id, 'ssh key id'), k]));
    this.nextSshKeyId = s.nextSshKeyId === undefined ? this.nextSshKeyId : savedNumber(s.nextSshKeyId, 'digitalocean.nextSshKeyId');
    // A file from before tags were remembered: the tags its droplets carry.
    this.tagsEverUsed.clear();
    for (const t of s.tagsEverUsed === undefined ? [...this.droplets.values()].flatMap((d) => d.tags) : savedStrings(s.tagsEverUsed, 'digitalocean.tagsEverUsed')) this.tagsEverUsed.add(t);
  }

  /** Whether the account's limits refuse one more droplet now (counted as refused when they do). */
  refuseCreate(): CreateRefusal | undefined {
    const all = this.list();
    if (all.length >= this.dropletLimit) {
      this.counters.refusedDropletLimit += 1;
      return 'droplet-limit';
    }
    if (this.creating() >= this.concurrentCreateLimit) {
      this.counters.refusedConcurrentCreates += 1;
      return 'concurrent-creates';
    }
    return undefined;
  }

  /** Droplets whose create action is still in progress. */
  creating(): number {
    return this.list().filter((d) => this.status(d) === 'new').length;
  }

  get(id: number): DropletRecord | undefined {
    this.sweep();
    return this.droplets.get(id);
  }

  /** Every droplet, oldest first, optionally only those carrying `tag`. */
  list(tag?: string): DropletRecord[] {
    this.sweep();
    const all = [...this.droplets.values()].sort((a, b) => a.id - b.id);
    return tag === undefined ? all : all.filter((d) => d.tags.includes(tag));
  }

  /** What `GET /v2/droplets` answers: like `list`, without droplets younger than the listing lag. */
  listed(tag?: string): DropletRecord[] {
    const lag = this.o.listLagMs ?? 0;
    const now = this.now();
    return this.list(tag).filter((d) => now >= d.createdAt + lag);
  }

  /** Starts destroying a droplet. The `deleted` hook fires now: from here on the VM is powered off. */
  destroy(droplet: DropletRecord): void {
    droplet.destroyingSince = this.now();
    this.o.hooks.deleted?.(this.view(droplet));
    this.sweep();
  }

  addSshKey(input: Omit<SshKeyRecord, 'id'>): SshKeyRecord {
    const key = { ...input, id: this.nextSshKeyId++ };
    this.sshKeys.set(key.id, key);
    return key;
  }

  /** The key with this id (a number or its digits) or MD5 fingerprint, as `ssh_keys` and `/v2/account/keys/{id}` take them. */
  sshKey(idOrFingerprint: string | number): SshKeyRecord | undefined {
    if (typeof idOrFingerprint === 'number' || /^\d+$/.test(idOrFingerprint)) return this.sshKeys.get(Number(idOrFingerprint));
    return [...this.sshKeys.values()].find((k) => k.fingerprint === idOrFingerprint);
  }

  sshKeyList(): SshKeyRecord[] {
    return [...this.sshKeys.values()].sort((a, b) => a.id - b.id);
  }

  deleteSshKey(id: number): void {
    this.sshKeys.delete(id);
  }

  action(id: number): ActionRecord | undefined {
    return this.actions.get(id);
  }

  /** Every action of the account, newest first (`GET /v2/actions`). */
  allActions(): ActionRecord[] {
    return [...this.actions.values()].reverse();
  }

  actionsOf(dropletId: number): ActionRecord[] {
    return [...this.actions.values()].filter((a) => a.dropletId === dropletId);
  }

  status(d: DropletRecord): DropletStatus {
    if (d.destroyingSince !== undefined) return 'off';
    return this.now() >= d.activeAt ? 'active' : 'new';
  }

  view(d: DropletRecord): SimVmView {
    return {
      provider: 'digitalocean',
      id: String(d.id),
      name: d.name,
      region: d.region,
      size: d.size,
      status: this.status(d),
      ip: d.ip,
      tags: fromDoTags(d.tags),
      createdAt: new Date(d.createdAt).toISOString(),
      ...(d.sshKeyIds ? { providerSshKey: d.sshKeyIds.length > 0 } : {}),
    };
  }

  private sweep(): void {
    const now = this.now();
    for (const d of this.droplets.values()) {
      if (d.destroyingSince !== undefined && now >= d.destroyingSince + this.o.deleteMs) {
        this.droplets.delete(d.id);
        this.o.ips.release(d.ip);
      }
    }
  }
}

/** A VPC address derived from the droplet id, so it is stable and unique within the emulator. */
function privateAddress(id: number): string {
  const n = id - 500_000_000;
  return `10.110.${(n >> 8) & 0xff}.${n & 0xff}`;
}
