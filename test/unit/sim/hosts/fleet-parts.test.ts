import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../../src/orchestrators/ssh/known-hosts.js';
import { deriveHostKey } from '../../../../src/sim/hosts/host-keys.js';
import { loopbackIps } from '../../../../src/sim/hosts/loopback-ips.js';

describe('loopbackIps', () => {
  it('hands out host addresses from 127.10.0.0/16, skipping .0-.9 and .255, never twice', () => {
    const pool = loopbackIps();
    const ips = Array.from({ length: 260 }, () => pool.allocate());
    expect(ips.slice(0, 2)).toEqual(['127.10.0.10', '127.10.0.11']);
    expect(ips).toContain('127.10.1.10');
    expect(ips.some((ip) => /\.(\d|255)$/.test(ip))).toBe(false);
    expect(new Set(ips).size).toBe(ips.length);
  });

  it.each(['10.0.0.0/24', '127.10.0.0/4', 'nonsense'])('refuses %s', (cidr) => {
    expect(() => loopbackIps(cidr)).toThrow('is not a block inside 127.0.0.0/8');
  });
});

describe('deriveHostKey', () => {
  it('derives a stable ed25519 key per seed that ssh2 reads, with a matching public blob', () => {
    const key = deriveHostKey('seed\u0000127.10.0.10\u00000');
    const parsed = ssh2.utils.parseKey(key.privatePem);
    if (parsed instanceof Error) throw parsed;
    expect(parsed.type).toBe('ssh-ed25519');
    expect(parsed.getPublicSSH().equals(key.publicBlob)).toBe(true);
    expect(parsed.verify('data', parsed.sign('data'))).toBe(true);
    expect(deriveHostKey('seed\u0000127.10.0.10\u00000').privatePem).toBe(key.privatePem);
    expect(fingerprintOf(deriveHostKey('seed\u0000127.10.0.10\u00001').publicBlob)).not.toBe(fingerprintOf(key.publicBlob));
  });

  it('encodes keys whose public half starts with a zero byte (which ssh2\'s own generator mangles)', () => {
    const seed = Array.from({ length: 5000 }, (_, i) => `z${i}`).find((s) => deriveHostKey(s).publicBlob[19] === 0);
    const key = deriveHostKey(seed!);
    const parsed = ssh2.utils.parseKey(key.privatePem);
    const publicParsed = ssh2.utils.parseKey(key.publicLine);
    if (parsed instanceof Error) throw parsed;
    if (publicParsed instanceof Error) throw publicParsed;
    expect(parsed.getPublicSSH().equals(key.publicBlob)).toBe(true);
    expect(publicParsed.verify('data', parsed.sign('data'))).toBe(true);
  });
});
