import type { Clock } from '../common/clock.js';
import type { IpAllocator } from '../common/ip-pool.js';
import type { SimVmView, VmHooks } from '../common/types.js';
import { fromDoTags } from '../../providers/ownership.js';

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
  /** When a DELETE was accepted; it is gone `deleteMs` later. */
  destroyingSince?: number;
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
}

export interface StoreOptions {
  clock: Clock;
  ips: IpAllocator;
  hooks: VmHooks;
  bootMs: number;
  deleteMs: number;
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

/** The emulator's world: droplets and their create actions. Lazy time: no timers, every read sweeps. */
export class DropletStore {
  private readonly droplets = new Map<number, DropletRecord>();
  private readonly actions = new Map<number, ActionRecord>();
  private nextDropletId = 500_000_001;
  private nextActionId = 2_000_000_001;
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

  /** Starts destroying a droplet. The `deleted` hook fires now: from here on the VM is powered off. */
  destroy(droplet: DropletRecord): void {
    droplet.destroyingSince = this.now();
    this.o.hooks.deleted?.(this.view(droplet));
    this.sweep();
  }

  action(id: number): ActionRecord | undefined {
    return this.actions.get(id);
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
