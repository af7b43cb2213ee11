import { createHash } from 'node:crypto';

/** Source of randomness, injected so tests can make ids predictable. */
export type RandomBytes = (size: number) => Buffer;

/** A freshly generated token: its id and the plaintext shown exactly once. */
export interface GeneratedToken {
  id: string;
  token: string;
}

/** Bearer values the API will even look up: 16–512 visible ASCII characters, no spaces. */
const BEARER = /^[\x21-\x7e]{16,512}$/;

/** Generated tokens: `cot_<id suffix>_<43 base64url chars (256 bits)>`. */
export const TOKEN_FORMAT = /^cot_([a-z2-7]{12})_[A-Za-z0-9_-]{43}$/;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** sha256 hex of a token's plaintext: the only form in which a token is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * True when `value` could be a token at all. Rejects empty, huge and whitespace-laden input
 * before any hashing; custom demo tokens (CLUSTEROPS_DEMO_TOKEN) obey the same rule.
 */
export function isWellFormedBearer(value: string): boolean {
  return BEARER.test(value);
}

/**
 * A new token: `tok_<12 base32 chars>` as its id, and a plaintext that names that id
 * (`cot_<suffix>_…`) so a leaked token can be found and revoked by id.
 */
export function generateToken(random: RandomBytes): GeneratedToken {
  const suffix = Array.from(random(12), (byte) => ID_ALPHABET[byte & 31]).join('');
  const secret = random(32).toString('base64url');
  return { id: `tok_${suffix}`, token: `cot_${suffix}_${secret}` };
}

/** The token id a generated token names, or null for any other value. */
export function tokenIdOf(token: string): string | null {
  const match = TOKEN_FORMAT.exec(token);
  return match ? `tok_${match[1]}` : null;
}
