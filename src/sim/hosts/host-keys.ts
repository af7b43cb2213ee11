import { createHash } from 'node:crypto';
import { encodeEd25519, type Ed25519Key } from '../../orchestrators/ssh/openssh-key.js';

/**
 * A host key derived from `seed` (sha256 → ed25519 secret), so a simulated host keeps its key
 * across restarts of the fleet and `rotateHostKey` can move to the next one.
 */
export function deriveHostKey(seed: string): Ed25519Key {
  return encodeEd25519(createHash('sha256').update(seed).digest(), 'sim-host');
}
