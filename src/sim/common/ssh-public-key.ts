import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

/** A public key as DigitalOcean and Hetzner keep it: the text uploaded, and its MD5 fingerprint. */
export interface SimPublicKey {
  type: string;
  /** `aa:bb:…`, the MD5 of the key blob (both providers' `fingerprint` field). */
  fingerprint: string;
}

/**
 * Parses an uploaded `public_key` with ssh2's parser (not clusterops' own, so a wrong fingerprint
 * in the adapters shows as a failed lookup); undefined when it is not a public key line.
 */
export function parseUploadedKey(text: unknown): SimPublicKey | undefined {
  if (typeof text !== 'string' || /[\r\n]/.test(text.trim())) return undefined;
  const parsed = ssh2.utils.parseKey(text.trim());
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error || key.isPrivateKey()) return undefined;
  const hex = createHash('md5').update(key.getPublicSSH()).digest('hex');
  return { type: key.type, fingerprint: hex.match(/../g)!.join(':') };
}
