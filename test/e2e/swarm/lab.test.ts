/**
 * Smoke test of the real-Swarm end-to-end tier's lab (test/support/netns): three network-namespace
 * hosts with their own sshd and dockerd form a real Docker Swarm, driven only over SSH (node-ssh,
 * the product's SSH library), run a service, survive a drain, and leave nothing behind.
 *
 * Skipped with a printed reason without root/docker.io/openssh-server/busybox-static; under
 * CI=true a missing prerequisite fails instead.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { NodeSSH } from 'node-ssh';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetnsLab, freeSubnet, importBusybox, labLeftovers, type LabHost, type NetnsLab } from '../../support/netns/hosts.js';
import { gateTier } from '../../support/netns/prereqs.js';

const gate = gateTier('e2e/swarm');

interface Remote {
  host: LabHost;
  ssh: NodeSSH;
  run(cmd: string): Promise<string>;
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await delay(250);
  }
}

describe.skipIf(!gate.run)('e2e/swarm: netns lab forms a real swarm over SSH', () => {
  let keyDir = '';
  let workDir = '';
  let lab: NetnsLab | undefined;
  const remotes: Remote[] = [];
  const remote = (i: number): Remote => remotes[i - 1]!;
  const keyJsonExisted = fs.existsSync('/etc/docker/key.json');

  beforeAll(async () => {
    if (gate.failure) throw new Error(gate.failure);
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'co-swarm-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'clusterops-e2e', '-f', path.join(keyDir, 'id_ed25519')]);
    const authorizedKey = fs.readFileSync(path.join(keyDir, 'id_ed25519.pub'), 'utf8').trim();
    // Short, fresh and empty: the lab owns it (unix socket paths must stay under 108 bytes).
    workDir = fs.mkdtempSync('/tmp/co-lab-');
    // 198.51.100.0/24 unless another lab (a concurrent run) holds it.
    lab = await createNetnsLab({ count: 3, subnet: freeSubnet(), authorizedKey, workDir });
    await importBusybox(lab);

    const privateKey = fs.readFileSync(path.join(keyDir, 'id_ed25519'), 'utf8');
    for (const host of lab.hosts) {
      const expected = Buffer.from(host.hostKey.split(' ')[1]!, 'base64');
      const ssh = new NodeSSH();
      await ssh.connect({
        host: host.ip,
        port: 22,
        username: 'root',
        privateKey,
        readyTimeout: 10_000,
        // Pin the host key the lab generated: this is a real SSH server, not a stub.
        hostVerifier: (key: Buffer) => key.equals(expected),
      });
      ssh.connection?.on('error', () => {}); // the connection is reset when the lab stops sshd
      remotes.push({
        host,
        ssh,
        run: async (cmd) => {
          const r = await ssh.execCommand(cmd);
          if (r.code !== 0) throw new Error(`${host.name}$ ${cmd} → exit ${r.code}: ${r.stderr || r.stdout}`);
          return r.stdout;
        },
      });
    }
  }, 120_000);

  afterAll(async () => {
    for (const r of remotes) r.ssh.dispose();
    try {
      await lab?.teardown();
    } finally {
      if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
      // Creation refused before the lab owned workDir: it is still our empty mkdtemp dir.
      if (!lab && workDir && fs.existsSync(workDir) && fs.readdirSync(workDir).length === 0) fs.rmdirSync(workDir);
    }
  }, 120_000);

  it('each host is its own machine over SSH: hostname, address, dockerd', async () => {
    for (const r of remotes) {
      const out = await r.run('hostname; ip -4 -o addr show dev eth0; echo "$DOCKER_HOST"; docker info --format "{{.Name}} {{.Swarm.LocalNodeState}}"');
      const [hostname, addr, dockerHost, info] = out.split('\n');
      expect(hostname).toBe(r.host.name);
      expect(addr).toContain(`${r.host.ip}/${lab!.prefixLength}`);
      expect(dockerHost).toBe(r.host.dockerHost);
      expect(info).toBe(`${r.host.name} inactive`);
    }
  });

  it('forms a 3-node swarm, runs a service on it and reschedules on drain', async () => {
    const [h1, h2, h3] = [remote(1), remote(2), remote(3)];
    await h1.run(`docker swarm init --advertise-addr ${h1.host.ip}`);
    const managerToken = (await h1.run('docker swarm join-token -q manager')).trim();
    const workerToken = (await h1.run('docker swarm join-token -q worker')).trim();
    expect(managerToken).toMatch(/^SWMTKN-1-/);
    await h2.run(`docker swarm join --token ${managerToken} ${h1.host.ip}:2377`);
    await h3.run(`docker swarm join --token ${workerToken} ${h1.host.ip}:2377`);

    const nodes = await until('3 Ready nodes', async () => {
      const out = await h1.run("docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}'");
      const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/));
      return rows.length === 3 && rows.every((r) => r[1] === 'Ready') ? rows : undefined;
    });
    expect(nodes.map((r) => r[0]).sort()).toEqual(['host1', 'host2', 'host3']);
    const role = Object.fromEntries(nodes.map((r) => [r[0], r[3] ?? 'worker']));
    expect(role).toEqual({ host1: 'Leader', host2: 'Reachable', host3: 'worker' });

    // No bridge network (dockerd --bridge=none) and no IPVS: host networking is what runs here.
    // `sleep` as PID 1 ignores SIGTERM, so a short grace period keeps drain and teardown fast.
    await h1.run('docker service create --detach --no-resolve-image --name web --replicas 3 --network host --stop-grace-period 1s busybox-local:1 sleep 3600');
    const running = async () => {
      const out = await h1.run("docker service ps web --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'");
      return out.trim().split('\n').filter(Boolean).map((l) => ({ node: l.split(' ')[0]!, state: l.split(' ').slice(1).join(' ') }));
    };
    const spread = await until('3 running web tasks', async () => {
      const t = await running();
      return t.length === 3 && t.every((x) => x.state.startsWith('Running')) ? t : undefined;
    });
    expect(spread.map((t) => t.node).sort()).toEqual(['host1', 'host2', 'host3']); // spread strategy
    // The task on host3 really runs there, in host3's network namespace.
    const onHost3 = await h3.run("docker ps --filter name=web --format '{{.ID}}'");
    expect(onHost3.trim()).not.toBe('');
    const seen = await h3.run(`docker exec ${onHost3.trim()} sh -c 'hostname; ip -4 -o addr show dev eth0'`);
    expect(seen).toContain(h3.host.ip);

    const id3 = (await h3.run("docker info --format '{{.Swarm.NodeID}}'")).trim();
    await h1.run(`docker node update --availability drain ${id3}`);
    const after = await until('tasks rescheduled off host3', async () => {
      const t = await running();
      return t.length === 3 && t.every((x) => x.state.startsWith('Running') && x.node !== 'host3') ? t : undefined;
    });
    expect(new Set(after.map((t) => t.node))).toEqual(new Set(['host1', 'host2']));
    await until('host3 has no containers running', async () => ((await h3.run('docker ps -q')).trim() === '' ? true : undefined));
    expect((await h1.run(`docker node inspect --format '{{.Spec.Availability}}' ${id3}`)).trim()).toBe('drain');
  }, 180_000);

  it('teardown leaves nothing behind and is idempotent', async () => {
    const l = lab!;
    for (const r of remotes) r.ssh.dispose();
    const t0 = Date.now();
    await l.teardown();
    const took = Date.now() - t0;
    await l.teardown(); // idempotent

    expect(labLeftovers(l)).toEqual([]);
    // And checked independently of the module's own bookkeeping:
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(netns).not.toMatch(new RegExp(`\\bco-lab-${l.id}\\b`));
    const ps = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(workDir) && /dockerd|containerd|sshd/.test(line) && !/^\s*\d+\s+Z/.test(line));
    expect(ps).toEqual([]);
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((m) => m.includes(workDir));
    expect(mounts).toEqual([]);
    expect(fs.existsSync(workDir)).toBe(false);
    expect(fs.existsSync(`/sys/class/net/${l.uplink}`)).toBe(false);
    expect(fs.existsSync('/etc/docker/key.json')).toBe(keyJsonExisted); // dockerd's trust key stayed in workDir
    await expect(l.exec(l.hosts[0]!, ['true'])).rejects.toThrow(/torn down/);
    console.info(`[e2e/swarm] teardown took ${took} ms`);
  }, 120_000);
});

if (!gate.run) {
  describe('e2e/swarm', () => {
    it.skip(`skipped: ${gate.reason ?? ''}`, () => {});
  });
}
