import { describe, expect, it } from 'vitest';
import { generateToken, hashToken, isWellFormedBearer, TOKEN_FORMAT, tokenIdOf } from '../../../src/auth/tokens.js';
import { randomBytes } from 'node:crypto';

describe('generateToken', () => {
  it('names its id in the plaintext and carries 256 random bits', () => {
    const { id, token } = generateToken(randomBytes);
    expect(id).toMatch(/^tok_[a-z2-7]{12}$/);
    expect(token).toMatch(TOKEN_FORMAT);
    expect(token.startsWith(`cot_${id.slice(4)}_`)).toBe(true);
    expect(token.length - `cot_${id.slice(4)}_`.length).toBe(43);
    expect(tokenIdOf(token)).toBe(id);
    expect(isWellFormedBearer(token)).toBe(true);
  });

  it('gives different tokens each time', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => generateToken(randomBytes).token));
    expect(tokens.size).toBe(50);
  });

  it('takes its randomness from the injected source', () => {
    const zeros = (n: number) => Buffer.alloc(n);
    expect(generateToken(zeros)).toEqual({ id: 'tok_aaaaaaaaaaaa', token: `cot_aaaaaaaaaaaa_${'A'.repeat(43)}` });
  });
});

describe('hashToken', () => {
  it('is the sha256 hex of the plaintext', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('isWellFormedBearer', () => {
  it.each([
    ['a generated token', `cot_abcdefghijkl_${'x'.repeat(43)}`, true],
    ['a 16-character custom token', 'demo-token-16chr', true],
    ['15 characters', 'x'.repeat(15), false],
    ['512 characters', 'x'.repeat(512), true],
    ['513 characters', 'x'.repeat(513), false],
    ['empty', '', false],
    ['with a space', 'demo token 123456', false],
    ['with a newline', 'demo-token-123456\n', false],
    ['non-ASCII', 'démo-token-123456', false],
  ])('%s', (_name, value, ok) => {
    expect(isWellFormedBearer(value)).toBe(ok);
  });
});

describe('tokenIdOf', () => {
  it.each([
    ['a custom token', 'demo-token-1234567890', null],
    ['a truncated token', 'cot_abcdefghijkl_short', null],
    ['an id', 'tok_abcdefghijkl', null],
  ])('%s names no id', (_name, value, id) => {
    expect(tokenIdOf(value)).toBe(id);
  });
});
