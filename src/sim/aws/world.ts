import { createHash } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import type { IpAllocator } from '../common/ip-pool.js';
import type { SimVmView, VmHooks } from '../common/types.js';
import { savedNumber, savedObject, savedRecords } from '../state/shape.js';

/** EC2 instance states; only the low byte of the code is meaningful (reference §3.6). */
export type StateName = 'pending' | 'running' | 'shutting-down' | 'terminated';
export interface InstanceState {
  code: number;
  name: StateName;
}
export const STATE: Record<StateName, InstanceState> = {
  pending: { code: 0, name: 'pending' },
  running: { code: 16, name: 'running' },
  'shutting-down': { code: 32, name: 'shutting-down' },
  terminated: { code: 48, name: 'terminated' },
};

/** What RunInstances (or a seed) asks for. */
export interface LaunchSpec {
  region: string;
  availabilityZone: string;
  imageId: string;
  instanceType: string;
  keyName?: string;
  userData?: string;
  tags: Record<string, string>;
}

export interface Ec2Instance extends LaunchSpec {
  seq: number;
  id: string;
  reservationId: string;
  launchIndex: number;
  clientToken: string;
  privateIp: string;
  publicIp: string;
  launchedAt: number;
  /** Before this instant the id is unknown to Describe/Terminate/CreateTags (eventual consistency). */
  visibleAt: number;
  terminateRequestedAt?: number;
  /** hooks.deleted has been called and the address released. */
  goneAnnounced: boolean;
}

export interface Ec2Reservation {
  id: string;
  region: string;
  instanceIds: string[];
  /** ClientToken and the parameters it was first used with, for idempotent replays. */
  token?: { value: string; fingerprint: string };
}

/** The account as saved: instances (with absolute timestamps), reservations (with their client tokens), counters. */
export interface Ec2WorldSnapshot {
  instances: Ec2Instance[];
  reservations: Ec2Reservation[];
  counter: number;
  idCounter: number;
}

export interface WorldSettings {
  clock: Clock;
  ips: IpAllocator;
  hooks: VmHooks;
  bootMs: number;
  deleteMs: number;
  consistencyMs: number;
  terminatedVisibleMs: number;
}

/**
 * The simulated EC2 account: instances, reservations and client tokens. State is computed from
 * the injected clock whenever it is read (no timers), so a ManualClock drives every transition.
 */
export class Ec2World {
  readonly instances = new Map<string, Ec2Instance>();
  readonly reservations = new Map<string, Ec2Reservation>();
  private readonly tokens = new Map<string, string>();
  private counter = 0;
  private idCounter = 0;

  constructor(private readonly s: WorldSettings) {}

  now(): number {
    return this.s.clock.now();
  }

  snapshot(): Ec2WorldSnapshot {
    return structuredClone({ instances: [...this.instances.values()], reservations: [...this.reservations.values()], counter: this.counter, idCounter: this.idCounter });
  }

  /** Replaces the account's contents with saved ones; no hook fires (the instances existed all along). */
  restore(saved: unknown): void {
    const s = savedObject(saved, 'aws');
    const instances = savedRecords<Ec2Instance>(s.instances, 'aws.instances');
    const reservations = savedRecords<Ec2Reservation>(s.reservations, 'aws.reservations');
    this.instances.clear();
    this.reservations.clear();
    this.tokens.clear();
    for (const i of instances) this.instances.set(i.id, i);
    for (const r of reservations) {
      this.reservations.set(r.id, r);
      // The token index is derived: each reservation keeps the ClientToken it was made with.
      if (r.token) this.tokens.set(`${r.region}\n${r.token.value}`, r.id);
    }
    this.counter = savedNumber(s.counter, 'aws.counter');
    this.idCounter = savedNumber(s.idCounter, 'aws.idCounter');
  }

  stateOf(i: Ec2Instance): InstanceState {
    const now = this.now();
    if (i.terminateRequestedAt !== undefined) return now >= i.terminateRequestedAt + this.s.deleteMs ? STATE.terminated : STATE['shutting-down'];
    return now >= i.launchedAt + this.s.bootMs ? STATE.running : STATE.pending;
  }

  /** The instance as the API of `region` sees it now: undefined while invisible, gone, or elsewhere. */
  find(region: string, id: string): Ec2Instance | undefined {
    const i = this.instances.get(id);
    return i && i.region === region && this.now() >= i.visibleAt ? i : undefined;
  }

  /** Every instance the API of `region` can see now, in launch order. */
  visibleIn(region: string): Ec2Instance[] {
    return [...this.instances.values()].filter((i) => i.region === region && this.now() >= i.visibleAt);
  }

  reservationForToken(region: string, token: string): Ec2Reservation | undefined {
    const id = this.tokens.get(`${region}\n${token}`);
    return id === undefined ? undefined : this.reservations.get(id);
  }

  /** Launches `count` instances as one reservation; `seeded` ones are already running and visible. */
  launch(spec: LaunchSpec, count: number, token?: Ec2Reservation['token'], seeded = false): Ec2Reservation {
    const reservation: Ec2Reservation = { id: this.nextId('r'), region: spec.region, instanceIds: [], ...(token ? { token } : {}) };
    const now = this.now();
    for (let launchIndex = 0; launchIndex < count; launchIndex++) {
      const seq = ++this.counter;
      const instance: Ec2Instance = {
        ...spec,
        tags: { ...spec.tags },
        seq,
        id: this.nextId('i'),
        reservationId: reservation.id,
        launchIndex,
        clientToken: token?.value ?? '',
        privateIp: `172.31.${Math.floor(seq / 250) % 256}.${(seq % 250) + 4}`,
        publicIp: this.s.ips.allocate(),
        launchedAt: seeded ? now - this.s.bootMs : now,
        visibleAt: seeded ? now : now + this.s.consistencyMs,
        goneAnnounced: false,
      };
      this.instances.set(instance.id, instance);
      reservation.instanceIds.push(instance.id);
    }
    this.reservations.set(reservation.id, reservation);
    if (token) this.tokens.set(`${spec.region}\n${token.value}`, reservation.id);
    for (const id of reservation.instanceIds) this.s.hooks.created?.(this.view(this.instances.get(id)!));
    return reservation;
  }

  /** Starts termination (idempotent); returns the state before and after. */
  terminate(i: Ec2Instance): { previous: InstanceState; current: InstanceState } {
    const previous = this.stateOf(i);
    if (i.terminateRequestedAt !== undefined) return { previous, current: previous };
    i.terminateRequestedAt = this.now();
    // The call only starts the shutdown; EC2 reports shutting-down even when it finishes at once.
    return { previous, current: STATE['shutting-down'] };
  }

  /** Announces instances that reached `terminated`, and forgets them once their visibility ends. */
  sweep(): void {
    for (const i of [...this.instances.values()]) {
      if (i.terminateRequestedAt === undefined || this.stateOf(i).name !== 'terminated') continue;
      if (!i.goneAnnounced) {
        i.goneAnnounced = true;
        this.s.ips.release(i.publicIp);
        this.s.hooks.deleted?.(this.view(i));
      }
      if (this.now() >= i.terminateRequestedAt + this.s.deleteMs + this.s.terminatedVisibleMs) this.forget(i);
    }
  }

  view(i: Ec2Instance): SimVmView {
    return {
      provider: 'aws',
      id: i.id,
      name: i.tags['Name'] ?? '',
      region: i.region,
      size: i.instanceType,
      status: this.stateOf(i).name,
      ip: i.publicIp,
      tags: { ...i.tags },
      createdAt: new Date(i.launchedAt).toISOString(),
    };
  }

  private forget(i: Ec2Instance): void {
    this.instances.delete(i.id);
    const reservation = this.reservations.get(i.reservationId);
    if (!reservation) return;
    reservation.instanceIds = reservation.instanceIds.filter((id) => id !== i.id);
    if (reservation.instanceIds.length > 0) return;
    this.reservations.delete(reservation.id);
    if (reservation.token) this.tokens.delete(`${reservation.region}\n${reservation.token.value}`);
  }

  /** `i-` / `r-` + 17 hex digits, distinct within an emulator and deterministic across runs. */
  private nextId(prefix: 'i' | 'r'): string {
    this.idCounter += 1;
    return `${prefix}-${createHash('sha256').update(`${prefix}:${this.idCounter}`).digest('hex').slice(0, 17)}`;
  }
}
