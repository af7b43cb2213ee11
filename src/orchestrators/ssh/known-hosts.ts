import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * What the store said about a host key: first key of an address ('pinned'), first key of a new
 * VM at an address another VM had ('repinned'), the pinned key ('match'), or another key for
 * the same VM ('changed').
 */
export type HostKeyVerdict = 'match' | 'pinned' | 'repinned' | 'changed';

/** One pin: the host key an address presented, and the VM (provider id) it belonged to. */
export interface HostKeyPin {
  fingerprint: string;
  /** Absent for pins written before pins named their VM, and for callers that name none. */
  vm?: string;
}

/**
 * Host keys pinned on first use (trust on first use, like OpenSSH's `accept-new`), keyed by
 * `host:port` and tied to the VM the provider says holds that address. Clouds hand a deleted
 * VM's address to new VMs: a different VM at a pinned address is a new machine with its own key,
 * so its key is pinned afresh (never checked against, nor refused for, the old VM's pin); that
 * VM's id comes from the provider's authenticated API, not from the network. A different key for
 * the same VM (or for an address whose pin names no VM) is refused — never re-pinned silently.
 * `forgetVm` drops a deleted VM's pins, so the file does not grow with every VM ever made.
 */
export interface KnownHosts {
  /** Pins `fingerprint` (for `vm`) if new or if the address now belongs to another VM; otherwise compares it. */
  verify(hostPort: string, fingerprint: string, vm?: string): HostKeyVerdict;
  /** The pinned fingerprint, if any. */
  get(hostPort: string): string | undefined;
  forget(hostPort: string): void;
  /** The VM is deleted: drops its pins, and pins naming no VM at its address `host` (any port). */
  forgetVm(vm: string, host?: string): void;
}

/** OpenSSH's fingerprint of a public key blob (wire format): `SHA256:<base64, unpadded>`. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The pins in `<dataDir>/ssh/known_hosts.json` (`{"host:port": {"fingerprint": "SHA256:…", "vm": "…"}}`;
 * the older `{"host:port": "SHA256:…"}` is read too), written through on change.
 */
export function createKnownHosts(dataDir: string): KnownHosts {
  const path = join(dataDir, 'ssh', 'known_hosts.json');
  const pins = load(path);
  return createStore(pins, () => save(path, pins));
}

/** Pins held in memory only (tests, one-off commands); `initial` maps `host:port` to a fingerprint. */
export function createMemoryKnownHosts(initial: Record<string, string> = {}): KnownHosts {
  return createStore(new Map(Object.entries(initial).map(([k, fingerprint]) => [k, { fingerprint }])), () => undefined);
}

function createStore(pins: Map<string, HostKeyPin>, persist: () => void): KnownHosts {
  const pin = (hostPort: string, fingerprint: string, vm: string | undefined) => {
    pins.set(hostPort, { fingerprint, ...(vm ? { vm } : {}) });
    persist();
  };
  return {
    verify(hostPort, fingerprint, vm) {
      const pinned = pins.get(hostPort);
      if (pinned === undefined) {
        pin(hostPort, fingerprint, vm);
        return 'pinned';
      }
      if (vm && pinned.vm && pinned.vm !== vm) {
        pin(hostPort, fingerprint, vm);
        return 'repinned';
      }
      if (pinned.fingerprint !== fingerprint) return 'changed';
      // An older pin that named no VM: now that it matched, it belongs to this one.
      if (vm && !pinned.vm) pin(hostPort, fingerprint, vm);
      return 'match';
    },
    get: (hostPort) => pins.get(hostPort)?.fingerprint,
    forget(hostPort) {
      if (pins.delete(hostPort)) persist();
    },
    forgetVm(vm, host) {
      const gone = [...pins].filter(([hostPort, p]) => p.vm === vm || (p.vm === undefined && host !== undefined && hostPort.startsWith(`${host}:`)));
      for (const [hostPort] of gone) pins.delete(hostPort);
      if (gone.length > 0) persist();
    },
  };
}

function load(path: string): Map<string, HostKeyPin> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  // A damaged pin file must not turn into "trust everything again".
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw damaged(path);
  const pins = new Map<string, HostKeyPin>();
  for (const [hostPort, value] of Object.entries(parsed)) pins.set(hostPort, pinOf(value, path));
  return pins;
}

function pinOf(value: unknown, path: string): HostKeyPin {
  if (typeof value === 'string') return { fingerprint: value };
  const v = value as Partial<HostKeyPin> | null;
  if (typeof v !== 'object' || v === null || typeof v.fingerprint !== 'string' || (v.vm !== undefined && typeof v.vm !== 'string')) throw damaged(path);
  return { fingerprint: v.fingerprint, ...(v.vm !== undefined ? { vm: v.vm } : {}) };
}

function damaged(path: string): Error {
  return new Error(`${path} is not a map of host:port to fingerprint; fix or remove it`);
}

function save(path: string, pins: Map<string, HostKeyPin>): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const sorted = Object.fromEntries([...pins.entries()].sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(tmp, `${JSON.stringify(sorted, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
