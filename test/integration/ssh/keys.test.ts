import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureKeyPair } from '../../../src/orchestrators/ssh/keys.js';
import { createKnownHosts } from '../../../src/orchestrators/ssh/known-hosts.js';
import { redact } from '../../../src/orchestrators/ssh/redact.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'clusterops-keys-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('ensureKeyPair', () => {
  it('generates an ed25519 pair once, with a private file only its owner reads, and reuses it', async () => {
    const first = await ensureKeyPair(dataDir);
    expect(first.publicKey).toMatch(/^ssh-ed25519 AAAA[0-9A-Za-z+/=]+ clusterops$/);
    expect(first.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE\x20KEY-----\n/);
    expect((await stat(join(dataDir, 'ssh', 'id_ed25519'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dataDir, 'ssh', 'id_ed25519.pub'), 'utf8')).toBe(`${first.publicKey}\n`);
    const again = await ensureKeyPair(dataDir);
    expect([again.privateKey, again.publicKey]).toEqual([first.privateKey, first.publicKey]);
  });

  it('agrees with itself when two callers race on first use', async () => {
    const pairs = await Promise.all([ensureKeyPair(dataDir), ensureKeyPair(dataDir), ensureKeyPair(dataDir)]);
    expect(new Set(pairs.map((p) => p.privateKey)).size).toBe(1);
  });

  it('keeps the private key out of serialised and inspected forms', async () => {
    const pair = await ensureKeyPair(dataDir);
    expect(JSON.stringify(pair)).toBe(JSON.stringify({ publicKey: pair.publicKey }));
    expect(inspect(pair)).not.toContain('PRIVATE KEY');
  });

  it('refuses to overwrite an unreadable key, naming the file and not its content', async () => {
    await ensureKeyPair(dataDir);
    await writeFile(join(dataDir, 'ssh', 'id_ed25519'), 'garbage-key-material');
    await expect(ensureKeyPair(dataDir)).rejects.toThrow(/id_ed25519 is not a readable OpenSSH private key/);
    await expect(ensureKeyPair(dataDir)).rejects.not.toThrow(/garbage/);
  });
});

describe('createKnownHosts', () => {
  it('pins on first use, matches after a reload, and reports a change without re-pinning', () => {
    const store = createKnownHosts(dataDir);
    expect(store.verify('127.0.0.1:2222', 'SHA256:aaa')).toBe('pinned');
    const reloaded = createKnownHosts(dataDir);
    expect(reloaded.verify('127.0.0.1:2222', 'SHA256:aaa')).toBe('match');
    expect(reloaded.verify('127.0.0.1:2222', 'SHA256:bbb')).toBe('changed');
    expect(createKnownHosts(dataDir).get('127.0.0.1:2222')).toBe('SHA256:aaa');
    reloaded.forget('127.0.0.1:2222');
    expect(createKnownHosts(dataDir).verify('127.0.0.1:2222', 'SHA256:bbb')).toBe('pinned');
  });

  it('ties a pin to its VM: a new VM at the address is pinned afresh, the same VM with another key is refused, a deleted VM is forgotten', () => {
    const store = createKnownHosts(dataDir);
    expect(store.verify('10.0.0.5:22', 'SHA256:old', 'vm-1')).toBe('pinned');
    expect(store.verify('10.0.0.5:22', 'SHA256:mitm', 'vm-1')).toBe('changed');
    expect(store.verify('10.0.0.5:22', 'SHA256:new', 'vm-2')).toBe('repinned');
    expect(createKnownHosts(dataDir).verify('10.0.0.5:22', 'SHA256:old', 'vm-2')).toBe('changed');
    // Forgetting the deleted vm-1 leaves vm-2's pin alone.
    store.forgetVm('vm-1', '10.0.0.5');
    expect(createKnownHosts(dataDir).get('10.0.0.5:22')).toBe('SHA256:new');
    store.forgetVm('vm-2', '10.0.0.5');
    expect(createKnownHosts(dataDir).get('10.0.0.5:22')).toBeUndefined();
  });

  it('reads the older format (no VM): a matching key adopts the VM, another key is refused, and the VM\'s deletion forgets it', async () => {
    await mkdir(join(dataDir, 'ssh'), { recursive: true });
    await writeFile(join(dataDir, 'ssh', 'known_hosts.json'), JSON.stringify({ '10.0.0.6:22': 'SHA256:a', '10.0.0.7:22': 'SHA256:b' }));
    const store = createKnownHosts(dataDir);
    expect(store.verify('10.0.0.6:22', 'SHA256:x', 'vm-6')).toBe('changed');
    expect(store.verify('10.0.0.6:22', 'SHA256:a', 'vm-6')).toBe('match');
    expect(store.verify('10.0.0.6:22', 'SHA256:n', 'vm-9')).toBe('repinned');
    store.forgetVm('vm-7', '10.0.0.7');
    expect(createKnownHosts(dataDir).get('10.0.0.7:22')).toBeUndefined();
  });

  it('refuses a damaged pin file rather than trusting everything again', async () => {
    createKnownHosts(dataDir).verify('h:22', 'SHA256:x');
    await writeFile(join(dataDir, 'ssh', 'known_hosts.json'), '["h:22"]');
    expect(() => createKnownHosts(dataDir)).toThrow(/known_hosts\.json is not a map/);
  });
});

describe('redact', () => {
  it('removes listed secrets (also shell-quoted) and join tokens nobody listed', () => {
    const swarmToken = `SWMTKN-1-${'a'.repeat(50)}-${'b'.repeat(25)}`;
    const k3sToken = `K10${'c'.repeat(64)}::server:${'d'.repeat(32)}`;
    expect(redact(`join --token ${swarmToken} and K3S_TOKEN='${k3sToken}'`)).toBe("join --token [redacted] and K3S_TOKEN='[redacted]'");
    expect(redact(`x='it'\\''s-a-secret' y`, ["it's-a-secret"])).toBe("x='[redacted]' y");
  });
});
