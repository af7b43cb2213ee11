import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What the store said about a host key. */
export type HostKeyVerdict = 'match' | 'pinned' | 'changed';

/**
 * Host keys pinned on first use (trust on first use, like OpenSSH's `accept-new`), keyed by
 * `host:port`. A different key for a pinned host is refused — never re-pinned silently; only
 * `forget` (the VM is gone) clears a pin. Simulated and real IPs are never handed out again, so a
 * pin never meets a different machine.
 */
export interface KnownHosts {
  /** Pins `fingerprint` if the host is new ('pinned'); otherwise compares it ('match' | 'changed'). */
  verify(hostPort: string, fingerprint: string): HostKeyVerdict;
  /** The pinned fingerprint, if any. */
  get(hostPort: string): string | undefined;
  forget(hostPort: string): void;
}

/** OpenSSH's fingerprint of a public key blob (wire format): `SHA256:<base64, unpadded>`. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The pins in `<dataDir>/ssh/known_hosts.json` (`{"host:port": "SHA256:…"}`), written through on change. */
export function createKnownHosts(dataDir: string): KnownHosts {
  const path = join(dataDir, 'ssh', 'known_hosts.json');
  const pins = load(path);
  return createStore(pins, () => save(path, pins));
}

/** Pins held in memory only (tests, one-off commands). */
export function createMemoryKnownHosts(initial: Record<string, string> = {}): KnownHosts {
  return createStore(new Map(Object.entries(initial)), () => undefined);
}

function createStore(pins: Map<string, string>, persist: () => void): KnownHosts {
  return {
    verify(hostPort, fingerprint) {
      const pinned = pins.get(hostPort);
      if (pinned === undefined) {
        pins.set(hostPort, fingerprint);
        persist();
        return 'pinned';
      }
      return pinned === fingerprint ? 'match' : 'changed';
    },
    get: (hostPort) => pins.get(hostPort),
    forget(hostPort) {
      if (pins.delete(hostPort)) persist();
    },
  };
}

function load(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  // A damaged pin file must not turn into "trust everything again".
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new Error(`${path} is not a map of host:port to fingerprint; fix or remove it`);
  }
  return new Map(Object.entries(parsed as Record<string, string>));
}

function save(path: string, pins: Map<string, string>): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const sorted = Object.fromEntries([...pins.entries()].sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(tmp, `${JSON.stringify(sorted, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
