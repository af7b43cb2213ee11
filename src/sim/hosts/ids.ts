import { createHash } from 'node:crypto';

/**
 * Deterministic identifiers for the simulated hosts (node ids, task ids, join tokens): a
 * counter hashed with a seed, so a run with the same seed and the same commands gives the same
 * ids, and different swarms never share a token.
 */
export class IdSource {
  private n = 0;

  constructor(private readonly seed: string) {}

  /** `length` characters from `alphabet`. */
  next(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let out = '';
    while (out.length < length) {
      const digest = createHash('sha256').update(`${this.seed}\0${this.n++}`).digest();
      for (const byte of digest) if (out.length < length) out += alphabet[byte % alphabet.length];
    }
    return out;
  }

  hex(length: number): string {
    return this.next(length, '0123456789abcdef');
  }

  /** How many hashes were drawn: with the seed, all a restarted source needs to go on. */
  snapshot(): number {
    return this.n;
  }

  restore(drawn: number): void {
    this.n = drawn;
  }
}

/** Kubernetes' name suffix alphabet (no vowels, no look-alikes). */
export const KUBE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
