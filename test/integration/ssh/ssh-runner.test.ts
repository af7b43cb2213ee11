import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { k3s, swarm } from '../../../src/orchestrators/commands.js';
import { createFleetRunner } from '../../../src/orchestrators/ssh/fleet-runner.js';
import { ensureKeyPair, type KeyPair } from '../../../src/orchestrators/ssh/keys.js';
import { createKnownHosts, type KnownHosts } from '../../../src/orchestrators/ssh/known-hosts.js';
import { createSshRunner, type SshRunnerOptions } from '../../../src/orchestrators/ssh/runner.js';
import type { SshRunner, SshTarget } from '../../../src/orchestrators/ssh/types.js';
import { StalledError, TransientError } from '../../../src/reconcile/errors.js';
import { startSimCloud } from '../../../src/sim/cloud.js';
import type { SimVmView } from '../../../src/sim/common/types.js';
import { deriveHostKey } from '../../../src/sim/hosts/host-keys.js';
import { createSimHostFleet, loopbackIps, type SimHostFleet } from '../../../src/sim/hosts/index.js';

// A block and port of this worker's own, so parallel runs (and the demo's 127.10/16) never collide.
const BLOCK = `127.77.${(process.pid % 200) + 20}`;
const PORT = 20_000 + (process.pid % 20_000);

let dataDir: string;
let keys: KeyPair;
let fleet: SimHostFleet;
let knownHosts: KnownHosts;
let logLines: string[];
const runners: SshRunner[] = [];
const ips = loopbackIps(`${BLOCK}.0/24`);

const vm = (ip: string, name: string): SimVmView => ({ provider: 'hetzner', id: name, name, region: 'fsn1', size: 'cx22', status: 'running', ip, tags: {}, createdAt: '2026-01-01T00:00:00Z' });
const target = (host: string): SshTarget => ({ host, port: PORT, username: 'root' });

function runner(overrides: Partial<SshRunnerOptions> = {}): SshRunner {
  const r = createSshRunner({
    privateKey: keys.privateKey,
    knownHosts,
    connectTimeoutMs: 3000,
    retries: { attempts: 3, delayMs: 10 },
    log: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    ...overrides,
  });
  runners.push(r);
  return r;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'clusterops-ssh-'));
  keys = await ensureKeyPair(dataDir);
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

let A: string;
let B: string;
beforeEach(async () => {
  logLines = [];
  await rm(join(dataDir, 'ssh', 'known_hosts.json'), { force: true });
  knownHosts = createKnownHosts(dataDir);
  fleet = createSimHostFleet({ port: PORT, authorizedKeys: () => [keys.publicKey], drainDelayMs: 0 });
  [A, B] = [ips.allocate(), ips.allocate()];
  await fleet.attach(vm(A!, 'node-a'));
  await fleet.attach(vm(B!, 'node-b'));
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
  await fleet.close();
});

describe('createSshRunner against simulated hosts over real SSH', () => {
  it('runs commands on two hosts (forming a swarm) and never logs the join token', async () => {
    const ssh = runner();
    expect(await ssh.run(target(A), swarm.info())).toEqual({ code: 0, stdout: 'inactive false \n', stderr: '' });
    expect((await ssh.run(target(A), swarm.init(A))).code).toBe(0);
    const token = (await ssh.run(target(A), swarm.joinToken('worker'))).stdout.trim();
    const joined = await ssh.run(target(B), swarm.join(token, A), { redact: [token] });
    expect(joined).toEqual({ code: 0, stdout: 'This node joined a swarm as a worker.\n', stderr: '' });
    const nodes = await ssh.run(target(A), swarm.nodes());
    expect(nodes.stdout.trim().split('\n')).toHaveLength(2);
    expect(fleet.swarm(B)?.nodes.map((n) => [n.hostname, n.role])).toEqual([['node-a', 'manager'], ['node-b', 'worker']]);
    // The in-process runner gives the same answers without a transport.
    expect(await createFleetRunner(fleet).run(target(A), swarm.nodes())).toEqual(nodes);

    const logged = logLines.join('\n');
    expect(logged).toContain('docker swarm join --token');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.slice(-25));
    expect(logged).not.toContain('PRIVATE KEY');
  });

  it('reuses one connection per host, also for concurrent commands', async () => {
    const ssh = runner();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => ssh.run(target(i % 2 ? A : B), k3s.status())));
    expect(results.every((r) => r.stdout === 'inactive\n')).toBe(true);
    await ssh.run(target(A), k3s.status());
    expect(logLines.filter((l) => l.includes('"msg":"ssh connected"'))).toHaveLength(2);
  });

  it('resolves a failing command with its exit code and output', async () => {
    const result = await runner().run(target(A), swarm.nodes());
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('This node is not a swarm manager.') });
    expect((await runner().run(target(A), 'uptime')).code).toBe(127);
  });

  it('pins host keys on first use in <dataDir>/ssh/known_hosts.json', async () => {
    const ssh = runner();
    await ssh.run(target(A), k3s.status());
    await ssh.run(target(B), k3s.status());
    const pins = JSON.parse(await readFile(join(dataDir, 'ssh', 'known_hosts.json'), 'utf8'));
    expect(pins).toEqual({ [`${A}:${PORT}`]: { fingerprint: fleet.hostKeyFingerprint(A) }, [`${B}:${PORT}`]: { fingerprint: fleet.hostKeyFingerprint(B) } });
    expect(fleet.hostKeyFingerprint(A)).not.toBe(fleet.hostKeyFingerprint(B));
  });

  it('refuses a changed host key with StalledError(HostKeyChanged), without retrying', async () => {
    const sleep = vi.fn(async () => undefined);
    const ssh = runner({ sleep });
    await ssh.run(target(A), k3s.status());
    const pinned = knownHosts.get(`${A}:${PORT}`);
    await fleet.rotateHostKey(A);
    const err = await ssh.run(target(A), k3s.status()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StalledError);
    expect(err).toMatchObject({ reason: 'HostKeyChanged' });
    expect((err as Error).message).toContain(fleet.hostKeyFingerprint(A));
    expect(sleep).not.toHaveBeenCalled();
    expect(knownHosts.get(`${A}:${PORT}`)).toBe(pinned);
    // The other host is unaffected.
    expect((await ssh.run(target(B), k3s.status())).code).toBe(0);
  });

  it('accepts only an authorized key', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'clusterops-ssh-other-'));
    try {
      const stranger = await ensureKeyPair(otherDir);
      const err = await runner({ privateKey: stranger.privateKey, retries: { attempts: 1, delayMs: 0 } })
        .run(target(A), swarm.init(A))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ reason: 'SshUnreachable', message: expect.stringContaining('authentication') });
      expect(fleet.swarm(A)).toBeUndefined();
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('gives up on a down host after the configured attempts, and reconnects once it is back', async () => {
    const sleep = vi.fn(async () => undefined);
    const ssh = runner({ sleep });
    await ssh.run(target(A), k3s.status());
    await fleet.setDown(A, true);
    const err = await ssh.run(target(A), k3s.status()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ reason: 'SshUnreachable', message: expect.stringMatching(/ECONNREFUSED.*after 3 attempts/) });
    expect(sleep).toHaveBeenCalledTimes(2);
    await expect(createFleetRunner(fleet).run(target(A), k3s.status())).rejects.toMatchObject({ reason: 'SshUnreachable' });
    await fleet.setDown(A, false);
    expect(await ssh.run(target(A), k3s.status())).toEqual({ code: 0, stdout: 'inactive\n', stderr: '' });
  });

  it('treats a detached (deleted) VM as unreachable', async () => {
    const ssh = runner();
    await fleet.detach(A);
    await expect(ssh.run(target(A), k3s.status())).rejects.toMatchObject({ reason: 'SshUnreachable' });
  });
});

describe('SimHostFleet hooks', () => {
  it('gives every VM the simulated cloud creates an sshd at its address; a deleted VM is gone', async () => {
    const cloudIps = loopbackIps(`${BLOCK.replace('127.77', '127.78')}.0/24`);
    const cloud = await startSimCloud({ ips: cloudIps, hooks: fleet.hooks() });
    try {
      const created = cloud.emulators.digitalocean.seedVm({ region: 'fra1', size: 's-1vcpu-1gb', name: 'web-1', tags: {} });
      expect(created.ip).toMatch(/^127\.78\./);
      const ssh = runner({ retries: { attempts: 20, delayMs: 25 } });
      expect(await ssh.run(target(created.ip!), swarm.init(created.ip!))).toMatchObject({ code: 0 });
      expect(fleet.swarm(created.ip!)?.nodes[0]?.hostname).toBe('web-1');
      fleet.hooks().deleted?.(created);
      await expect(runner({ retries: { attempts: 1, delayMs: 0 } }).run(target(created.ip!), swarm.info())).rejects.toMatchObject({ reason: 'SshUnreachable' });
    } finally {
      await cloud.close();
    }
  });
});

describe('simulated machines of VMs created without a provider SSH key (expired root password)', () => {
  /** The exit status and stderr of one command over a bare SSH session (no PTY), as `ssh host cmd` sees them. */
  async function rawExec(ip: string, command: string): Promise<{ code: number | null; stderr: string }> {
    const client = new ssh2.Client();
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve).once('error', reject);
        client.connect({ host: ip, port: PORT, username: 'root', privateKey: keys.privateKey, readyTimeout: 3000 });
      });
      return await new Promise((resolve, reject) => {
        client.exec(command, (err, stream) => {
          if (err) return reject(err);
          let stderr = '';
          let code: number | null = null;
          stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          stream.on('exit', (c: number | null) => (code = c)).on('close', () => resolve({ code, stderr }));
          stream.resume();
        });
      });
    } finally {
      client.end();
    }
  }

  const api = (endpoint: string, token: string, path: string, body: unknown) =>
    fetch(`${endpoint}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => (await r.json()) as Record<string, any>);

  it('accept the key but refuse every command with PAM’s password-change message (exit 1); with a registered key they run', async () => {
    const cloud = await startSimCloud({ ips: loopbackIps(`${BLOCK.replace('127.77', '127.76')}.0/24`), hooks: fleet.hooks() });
    try {
      const { digitalocean: doUrl, hetzner: hzUrl } = cloud.endpoints();
      const [doToken, hzToken] = [cloud.credentials.digitalocean.token, cloud.credentials.hetzner.token];
      const droplet = { region: 'fra1', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64' };
      const server = { server_type: 'cpx22', location: 'fsn1', image: 'ubuntu-24.04' };
      const bareDroplet = (await api(doUrl, doToken, '/droplets', { ...droplet, name: 'bare-1' })).droplet;
      const bareServer = await api(hzUrl, hzToken, '/servers', { ...server, name: 'bare-2' });
      expect(bareServer.root_password).toEqual(expect.any(String));
      const doKey = (await api(doUrl, doToken, '/account/keys', { name: 'clusterops', public_key: keys.publicKey })).ssh_key;
      const hzKey = (await api(hzUrl, hzToken, '/ssh_keys', { name: 'clusterops', public_key: keys.publicKey })).ssh_key;
      const keyedDroplet = (await api(doUrl, doToken, '/droplets', { ...droplet, name: 'keyed-1', ssh_keys: [doKey.id] })).droplet;
      const keyedServer = (await api(hzUrl, hzToken, '/servers', { ...server, name: 'keyed-2', ssh_keys: [hzKey.id] })).server;
      const ipOf = (provider: 'digitalocean' | 'hetzner', id: number) => cloud.emulators[provider].vms().find((v) => v.id === String(id))!.ip!;
      const ssh = runner({ retries: { attempts: 20, delayMs: 25 } });

      for (const ip of [ipOf('digitalocean', bareDroplet.id), ipOf('hetzner', bareServer.server.id)]) {
        await ssh.run(target(ip), k3s.status()).catch(() => undefined); // waits for the sshd
        expect(await rawExec(ip, swarm.info())).toEqual({
          code: 1,
          stderr: 'You are required to change your password immediately (administrator enforced).\nPassword change required but no TTY available.\n',
        });
        await expect(ssh.run(target(ip), swarm.init(ip))).rejects.toMatchObject({ name: 'StalledError', reason: 'PasswordExpired' });
        await expect(createFleetRunner(fleet).run(target(ip), swarm.info())).rejects.toMatchObject({ reason: 'PasswordExpired' });
        expect(fleet.swarm(ip)).toBeUndefined();
      }
      for (const ip of [ipOf('digitalocean', keyedDroplet.id), ipOf('hetzner', keyedServer.id)]) {
        expect(await ssh.run(target(ip), swarm.init(ip))).toMatchObject({ code: 0 });
      }
    } finally {
      await cloud.close();
    }
  });

  it('are lenient only when the fleet is told so (expireRootPasswords: false); VMs without an opinion (seeded, AWS) are unaffected', async () => {
    const lenient = createSimHostFleet({ port: PORT, authorizedKeys: () => [keys.publicKey], drainDelayMs: 0, expireRootPasswords: false });
    const [C, D] = [ips.allocate(), ips.allocate()];
    try {
      await lenient.attach({ ...vm(C, 'node-c'), providerSshKey: false });
      await fleet.attach(vm(D, 'node-d'));
      expect((await lenient.exec(C, swarm.info())).code).toBe(0);
      expect((await fleet.exec(D, swarm.info())).code).toBe(0);
    } finally {
      await lenient.close();
    }
  });
});

describe('createSshRunner command timeout', () => {
  it('abandons a command that outlives its timeout with TransientError(SshCommandTimeout), keeping the connection', async () => {
    const ip = ips.allocate();
    let execs = 0;
    const server = new ssh2.Server({ hostKeys: [deriveHostKey('hang').privatePem] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => ctx.accept());
      client.on('session', (accept) =>
        accept().on('exec', (acceptExec, _reject, info) => {
          execs += 1;
          const channel = acceptExec();
          // `sleep` never answers; anything else does at once.
          if (info.command === 'sleep') return;
          channel.exit(0);
          channel.end();
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(PORT, ip, resolve));
    try {
      const ssh = runner({ commandTimeoutMs: 5000 });
      const started = Date.now();
      await expect(ssh.run(target(ip), 'sleep', { timeoutMs: 150 })).rejects.toMatchObject({ name: 'TransientError', reason: 'SshCommandTimeout' });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await ssh.run(target(ip), 'true')).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(execs).toBe(2);
      expect(logLines.filter((l) => l.includes('"msg":"ssh connected"'))).toHaveLength(1);
    } finally {
      await Promise.all(runners.splice(0).map((r) => r.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
