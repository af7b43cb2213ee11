import { describe, expect, it } from 'vitest';
import { encodeEd25519 } from '../../../src/orchestrators/ssh/openssh-key.js';
import { ProviderKeyCache, providerKeyName, readPublicKey } from '../../../src/providers/ssh-keys.js';
import { StalledError } from '../../../src/reconcile/errors.js';

const KEY = encodeEd25519(Buffer.alloc(32, 7), 'clusterops').publicLine;

describe('readPublicKey', () => {
  it('computes the MD5 fingerprint ssh-keygen -l -E md5 prints', () => {
    // `ssh-keygen -l -E md5 -f` on this key: 256 MD5:50:43:b7:3d:24:75:1a:4c:2d:4d:da:85:9c:71:cc:75 clusterops (ED25519)
    expect(readPublicKey(`  ${KEY}\n`)).toEqual({ line: KEY, md5: '50:43:b7:3d:24:75:1a:4c:2d:4d:da:85:9c:71:cc:75' });
  });

  it.each([
    ['not a key line', 'nonsense'],
    ['a private key', ['-----BEGIN', 'OPENSSH', 'PRIVATE', 'KEY-----'].join(' ')],
    ['an unknown type', KEY.replace('ssh-ed25519', 'ssh-foo')],
    ['a blob of another type', KEY.replace('ssh-ed25519', 'ssh-rsa')],
    ['two lines', `${KEY}\n${KEY}`],
    ['a blob that is not base64', 'ssh-ed25519 AA$$ x'],
  ])('refuses %s as SshKeyRejected', (_what, line) => {
    expect(() => readPublicKey(line)).toThrow(expect.objectContaining({ name: 'StalledError', reason: 'SshKeyRejected' }));
  });

  it('names the key after the owner and the start of the fingerprint', () => {
    expect(providerKeyName('owner-1', readPublicKey(KEY))).toBe('clusterops-owner-1-5043b73d');
  });
});

describe('ProviderKeyCache', () => {
  it('ensures a key once for concurrent callers, retries after a failure, and again after forget', async () => {
    const key = readPublicKey(KEY);
    let calls = 0;
    const cache = new ProviderKeyCache(async () => {
      calls += 1;
      if (calls === 1) throw new StalledError('Unauthorized', 'no');
      return calls;
    });
    await expect(cache.idOf(key)).rejects.toThrow('no');
    expect(await Promise.all([cache.idOf(key), cache.idOf(key)])).toEqual([2, 2]);
    cache.forget(key);
    expect(await cache.idOf(key)).toBe(3);
  });
});
