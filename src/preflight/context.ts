import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readIfExists } from '../orchestrators/ssh/keys.js';
import type { ProviderUsage } from './usage.js';

/** clusterops' SSH public key as the providers look it up. */
export interface PublicKeyInfo {
  /** The `.pub` file it was read from. */
  path: string;
  /** `ssh-ed25519 AAAA… clusterops` */
  line: string;
  /** MD5 of the key blob, colon-separated hex: what DigitalOcean and Hetzner index keys by. */
  md5: string;
}

/** What every provider suite works from. */
export interface ProviderContext {
  usage: ProviderUsage;
  /** clusterops' SSH public key; null when it has none yet (the daemon generates it at its first start). */
  sshKey: PublicKeyInfo | null;
  /** Where the key lives (or will), for messages. */
  sshDir: string;
  /** This instance's owner id, when known: VMs tagged with it are already clusterops', not new ones. */
  ownerId?: string;
  /** The image clusterops creates VMs from in a region. */
  image(region: string): string;
}

/**
 * Reads `<dataDir>/ssh/id_ed25519.pub` without creating anything: preflight never generates the
 * key pair, it says that the daemon will. Null when there is no key yet.
 */
export async function readPublicKey(dataDir: string): Promise<PublicKeyInfo | null> {
  const path = join(dataDir, 'ssh', 'id_ed25519.pub');
  const text = await readIfExists(path);
  if (text === undefined) return null;
  const line = text.trim();
  return { path, line, md5: md5Fingerprint(line) };
}

/** The MD5 fingerprint of an authorized_keys line (`ssh-keygen -E md5 -lf`, without the `MD5:` prefix). */
export function md5Fingerprint(line: string): string {
  const blob = Buffer.from(line.split(/\s+/)[1] ?? '', 'base64');
  return createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:');
}

/** A value computed on first use and shared by the checks of a suite (one listing, several checks). */
export function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= load());
}
