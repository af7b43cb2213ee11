import { silentLogger, type Logger } from '../../logger.js';
import { fingerprintOf } from '../../orchestrators/ssh/known-hosts.js';
import type { CommandResult } from '../../orchestrators/ssh/types.js';
import type { Clock } from '../common/clock.js';
import type { SimVmView, VmHooks } from '../common/types.js';
import { savedMap, savedNumber, savedObject, savedString, savedStrings } from '../state/shape.js';
import type { SimStatePart } from '../state/state-file.js';
import { deriveHostKey } from './host-keys.js';
import type { SimK3sView } from './k3s-model.js';
import { SimSshServer } from './ssh-server.js';
import type { SimSwarmView } from './swarm-model.js';
import { SimHostWorld } from './world.js';

/** Options of `createSimHostFleet`. */
export interface SimHostFleetOptions {
  /** Port every host's sshd listens on, at the VM's own address. Default 2222. */
  port?: number;
  /** authorized_keys lines, read at every login (so a key added later is honoured). */
  authorizedKeys: () => string[];
  clock?: Clock;
  /** Delay before Swarm moves tasks off a drained, down or departed node. Default 1000 ms. */
  drainDelayMs?: number;
  /**
   * Seeds host keys and ids; the same seed gives each address the same first host key, and each
   * later VM at that address (a reused IP) a new one, as a new machine generates its own. Default `clusterops-sim`.
   */
  hostKeySeed?: string;
  /** Where hook-driven attach/detach failures go. */
  log?: Logger;
  /**
   * Strict root passwords (default true): the machine of a VM whose provider set a root password
   * (`providerSshKey: false`: DigitalOcean or Hetzner, created without a registered key) accepts
   * key authentication but refuses every command until the password is changed, as PAM does.
   */
  expireRootPasswords?: boolean;
}

/**
 * Simulated machines for the VMs of the simulated cloud: each attached VM gets an sshd on
 * `vm.ip:port` (loopback addresses such as 127.10.0.12 bind without set-up on Linux) in front of
 * the shared `SimHostWorld`, so the orchestrator adapters run unchanged over real SSH. `exec`
 * reaches the same hosts in process (an address never attached is a fresh machine), throwing
 * `TransientError('SshUnreachable')` for a host that is down or detached, as the SSH runner does.
 */
export interface SimHostFleet extends SimStatePart {
  readonly port: number;
  /** Starts the VM's sshd (idempotent; a VM without an address is ignored). */
  attach(vm: SimVmView): Promise<void>;
  /** The VM is deleted: its sshd stops and the host is gone for good (Down/NotReady to its cluster). */
  detach(vm: SimVmView | string): Promise<void>;
  exec(ip: string, command: string): Promise<CommandResult>;
  /** `created` → attach, `deleted` → detach, for `startSimCloud({ hooks })`. */
  hooks(): VmHooks;
  /** Fault: powered off (sshd refuses connections, open ones drop; Down/NotReady) or back on. */
  setDown(ip: string, down: boolean): Promise<void>;
  /** Fault: the next `times` join commands on this host fail (manager/server unreachable). */
  refuseJoin(ip: string, times: number): void;
  /** Fault: a task (Swarm `reason.1`) or PDB-guarded pod (k3s `reason`) that cannot leave this host; null lifts it. */
  blockDrain(ip: string, reason: string | null): void;
  /** Fault: the host presents a new host key from now on (open connections drop). */
  rotateHostKey(ip: string): Promise<void>;
  /** The host key fingerprint the host presents now (`SHA256:…`). */
  hostKeyFingerprint(ip: string): string;
  swarm(ip: string): SimSwarmView | undefined;
  k3s(ip: string): SimK3sView | undefined;
  /** Test set-up: a Swarm service with `replicas` tasks, through the manager at `managerIp`. */
  createService(managerIp: string, name: string, replicas: number): void;
  /** Test set-up: a k3s Deployment with `replicas` pods, through the server at `serverIp`. */
  createDeployment(serverIp: string, name: string, replicas: number): void;
  /** What `restore` takes: the world, which VM each address belongs to, host-key generations. */
  snapshot(): SimHostFleetSnapshot;
  /**
   * Resumes a saved fleet: the machines as they were, each attached one's sshd started again at
   * its address with its host key. Without a saved fleet, every VM of `vms()` gets a fresh machine.
   */
  restore(saved: unknown, vms: () => readonly SimVmView[]): Promise<void>;
  /** Stops every sshd. */
  close(): Promise<void>;
}

/** A fleet as saved (see `SimHostFleet.restore`). */
export interface SimHostFleetSnapshot {
  world: unknown;
  attached: string[];
  lastVm: Record<string, string>;
  keyGeneration: Record<string, number>;
}

interface Attached {
  server: SimSshServer;
  /** Start/stop in order, whatever mix of faults arrives. */
  queue: Promise<void>;
}

export function createSimHostFleet(options: SimHostFleetOptions): SimHostFleet {
  const port = options.port ?? 2222;
  const seed = options.hostKeySeed ?? 'clusterops-sim';
  const log = options.log ?? silentLogger;
  const strictPasswords = options.expireRootPasswords ?? true;
  const world = new SimHostWorld({ seed, ...(options.clock ? { clock: options.clock } : {}), ...(options.drainDelayMs !== undefined ? { drainDelayMs: options.drainDelayMs } : {}) });
  const attached = new Map<string, Attached>();
  const keyGeneration = new Map<string, number>();
  // The VM each address last belonged to: a new VM at a reused address is a new machine with its own host key.
  const lastVm = new Map<string, string>();
  let closed = false;
  // Set by the cloud that saves the fleet with it (`onChange`), called after every change but
  // attach/detach: those come from the cloud's hooks, inside requests the cloud saves after.
  let changed: () => void = () => undefined;
  const changing = <T>(change: () => T): T => {
    try {
      return change();
    } finally {
      changed();
    }
  };
  const exec = (ip: string, command: string) => changing(() => world.exec(ip, command));

  const hostKey = (ip: string) => deriveHostKey(`${seed}\0${ip}\0${keyGeneration.get(ip) ?? 0}`);
  const newServer = (ip: string) =>
    new SimSshServer({ ip, port, hostKey: hostKey(ip), authorizedKeys: options.authorizedKeys, exec: (command) => exec(ip, command) });
  const enqueue = (entry: Attached, step: () => Promise<void>): Promise<void> => {
    const run = entry.queue.then(step);
    entry.queue = run.catch(() => undefined);
    return run;
  };
  /** Restarts the sshd with the current key, if the host should be listening. */
  const restart = (ip: string, entry: Attached) =>
    enqueue(entry, async () => {
      await entry.server.stop();
      entry.server = newServer(ip);
      if (!closed && attached.get(ip) === entry && world.reachable(ip)) await entry.server.start();
    });

  const stopping = new Map<string, Promise<void>>();
  const detach = async (vm: SimVmView | string): Promise<void> => {
    const ip = typeof vm === 'string' ? vm : vm.ip;
    if (!ip) return;
    world.removeHost(ip);
    const entry = attached.get(ip);
    attached.delete(ip);
    if (!entry) return;
    // A new VM may get the address at once (clouds reuse them): its sshd starts after this one stopped.
    const stopped = enqueue(entry, () => entry.server.stop());
    stopping.set(ip, stopped.catch(() => undefined));
    await stopped;
  };

  const fleet: SimHostFleet = {
    port,
    async attach(vm) {
      if (!vm.ip || attached.has(vm.ip) || closed) return;
      const previous = lastVm.get(vm.ip);
      if (previous !== undefined && previous !== vm.id) keyGeneration.set(vm.ip, (keyGeneration.get(vm.ip) ?? 0) + 1);
      lastVm.set(vm.ip, vm.id);
      world.addHost(vm.ip, vm.name || undefined, { passwordExpired: strictPasswords && vm.providerSshKey === false });
      const entry: Attached = { server: newServer(vm.ip), queue: stopping.get(vm.ip) ?? Promise.resolve() };
      attached.set(vm.ip, entry);
      await enqueue(entry, () => entry.server.start());
    },
    detach,
    exec: async (ip, command) => exec(ip, command),
    hooks: () => ({
      created: (vm) => void fleet.attach(vm).catch((err: unknown) => log.warn({ ip: vm.ip, error: err }, 'simulated host: sshd did not start')),
      deleted: (vm) => void detach(vm).catch((err: unknown) => log.warn({ ip: vm.ip, error: err }, 'simulated host: sshd did not stop')),
    }),
    async setDown(ip, down) {
      world.setDown(ip, down);
      const entry = attached.get(ip);
      if (entry) await restart(ip, entry);
      changed();
    },
    refuseJoin: (ip, times) => changing(() => world.refuseJoin(ip, times)),
    blockDrain: (ip, reason) => changing(() => world.blockDrain(ip, reason)),
    async rotateHostKey(ip) {
      keyGeneration.set(ip, (keyGeneration.get(ip) ?? 0) + 1);
      const entry = attached.get(ip);
      if (entry) await restart(ip, entry);
      changed();
    },
    hostKeyFingerprint: (ip) => fingerprintOf(hostKey(ip).publicBlob),
    swarm: (ip) => world.swarm(ip),
    k3s: (ip) => world.k3s(ip),
    createService: (managerIp, name, replicas) => changing(() => world.createService(managerIp, name, replicas)),
    createDeployment: (serverIp, name, replicas) => changing(() => world.createDeployment(serverIp, name, replicas)),
    onChange: (save) => void (changed = save),
    snapshot: () => ({ world: world.snapshot(), attached: [...attached.keys()], lastVm: Object.fromEntries(lastVm), keyGeneration: Object.fromEntries(keyGeneration) }),
    async restore(saved, vms) {
      if (saved === undefined) {
        for (const vm of vms()) await fleet.attach(vm);
        return;
      }
      const s = savedObject(saved, 'hosts');
      world.restore(s.world);
      for (const [ip, vm] of savedMap(s.lastVm, 'hosts.lastVm', savedString)) lastVm.set(ip, vm);
      for (const [ip, n] of savedMap(s.keyGeneration, 'hosts.keyGeneration', savedNumber)) keyGeneration.set(ip, n);
      for (const ip of savedStrings(s.attached, 'hosts.attached')) {
        const entry: Attached = { server: newServer(ip), queue: Promise.resolve() };
        attached.set(ip, entry);
        if (world.reachable(ip)) await enqueue(entry, () => entry.server.start());
      }
    },
    async close() {
      closed = true;
      const entries = [...attached.values()];
      attached.clear();
      await Promise.all(entries.map((entry) => enqueue(entry, () => entry.server.stop())));
    },
  };
  return fleet;
}
