/**
 * Prerequisites of the real-Swarm end-to-end tier (network-namespace lab, see ./hosts.ts).
 *
 * `checkPrereqs()` is synchronous so a test file can decide at collection time whether to run.
 * `gateTier()` turns the result into the tier's policy: skip with a printed reason on a developer
 * machine, but FAIL under `CI=true`, where a silently skipped tier would hide a broken runner.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type PrereqResult = { ok: true; warnings: string[] } | { ok: false; reason: string };

/** Executables the lab runs (sshd is looked up at its Debian path, the others on PATH). */
const COMMANDS = ['ip', 'nsenter', 'unshare', 'findmnt', 'umount', 'tar', 'ssh-keygen', 'dockerd', 'containerd', 'containerd-shim-runc-v2', 'runc', 'docker'];

export const SSHD = '/usr/sbin/sshd';
export const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

export function which(cmd: string, envPath = process.env.PATH ?? ''): string | undefined {
  const dirs = [...envPath.split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** True when the ELF file has no PT_INTERP program header, i.e. it runs in an empty rootfs. */
export function isStaticElf(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const hdr = Buffer.alloc(64);
    fs.readSync(fd, hdr, 0, 64, 0);
    if (hdr.readUInt32BE(0) !== 0x7f454c46) return false; // "\x7fELF"
    const is64 = hdr[4] === 2;
    const le = hdr[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64 ? Number(le ? hdr.readBigUInt64LE(32) : hdr.readBigUInt64BE(32)) : u32(hdr, 28);
    const phentsize = u16(hdr, is64 ? 54 : 42);
    const phnum = u16(hdr, is64 ? 56 : 44);
    const ph = Buffer.alloc(phentsize * phnum);
    fs.readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (u32(ph, i * phentsize) === 3 /* PT_INTERP */) return false;
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

export function findBusybox(): string | undefined {
  return BUSYBOX_CANDIDATES.find((p) => fs.existsSync(p)) ?? which('busybox');
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

/**
 * Probes everything the lab needs. Creates (and always deletes) one throw-away network namespace
 * `co-probe-<pid>` to prove the kernel supports netns, veth and bridge; vxlan is only a warning
 * (swarm forms without it, overlay networks don't).
 */
export function checkPrereqs(): PrereqResult {
  if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (this is ${process.platform})` };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { ok: false, reason: 'needs root (network namespaces, mounts, dockerd)' };
  const missing = COMMANDS.filter((c) => !which(c));
  if (!fs.existsSync(SSHD)) missing.push(SSHD);
  if (missing.length) return { ok: false, reason: `missing executables: ${missing.join(', ')} (Debian: docker.io openssh-server iproute2 util-linux busybox-static)` };
  const busybox = findBusybox();
  if (!busybox) return { ok: false, reason: 'missing busybox (Debian: busybox-static)' };
  if (!isStaticElf(fs.realpathSync(busybox))) return { ok: false, reason: `${busybox} is dynamically linked; the image needs a static one (Debian: busybox-static)` };
  for (const ns of ['net', 'uts', 'mnt']) {
    if (!fs.existsSync(`/proc/self/ns/${ns}`)) return { ok: false, reason: `kernel lacks ${ns} namespaces` };
  }
  if (!run('findmnt', ['-n', '/sys/fs/cgroup']).ok) return { ok: false, reason: '/sys/fs/cgroup is not mounted (dockerd needs cgroups)' };

  const warnings: string[] = [];
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n')) warnings.push('no overlayfs: dockerd falls back to the slow vfs storage driver');
  if (!fs.existsSync('/proc/sys/net/ipv4/vs')) warnings.push('no IPVS (CONFIG_IP_VS): swarm VIPs and the ingress routing mesh do not work; use --network host or --endpoint-mode dnsrr');

  const probe = `co-probe-${process.pid}`;
  try {
    const add = run('ip', ['netns', 'add', probe]);
    if (!add.ok) return { ok: false, reason: `cannot create a network namespace: ${add.out}` };
    const veth = run('ip', ['-n', probe, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
    if (!veth.ok) return { ok: false, reason: `kernel lacks veth: ${veth.out}` };
    const br = run('ip', ['-n', probe, 'link', 'add', 'b0', 'type', 'bridge']);
    if (!br.ok) return { ok: false, reason: `kernel lacks bridge: ${br.out}` };
    const enslave = run('ip', ['-n', probe, 'link', 'set', 'p0', 'master', 'b0']);
    if (!enslave.ok) return { ok: false, reason: `cannot attach a veth to a bridge: ${enslave.out}` };
    if (!run('ip', ['-n', probe, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789']).ok) {
      warnings.push('no vxlan: swarm overlay networks will not work (swarm itself and --network host tasks do)');
    }
  } finally {
    if (fs.existsSync(`/run/netns/${probe}`)) run('ip', ['netns', 'del', probe]);
  }
  return { ok: true, warnings };
}

export interface TierGate {
  /** false: skip the tier (reason already printed). */
  run: boolean;
  /** Set under CI=true when a prerequisite is missing: the tier must throw this in beforeAll. */
  failure?: string;
  reason?: string;
  warnings: string[];
}

/**
 * The tier's policy: run when prerequisites are met; otherwise skip with a printed reason —
 * except under `CI=true`, where the tier runs and fails with the reason.
 */
export function gateTier(tier: string, env: NodeJS.ProcessEnv = process.env, result: PrereqResult = checkPrereqs()): TierGate {
  if (result.ok) {
    for (const w of result.warnings) console.warn(`[${tier}] warning: ${w}`);
    return { run: true, warnings: result.warnings };
  }
  if ((env.CI ?? '').toLowerCase() === 'true') {
    return { run: true, failure: `[${tier}] prerequisite missing under CI=true: ${result.reason}`, reason: result.reason, warnings: [] };
  }
  console.warn(`[${tier}] skipped: ${result.reason}`);
  return { run: false, reason: result.reason, warnings: [] };
}
