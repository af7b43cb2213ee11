/**
 * Network-namespace lab for the real-Swarm end-to-end tier: N "hosts", each with its own network
 * namespace, UTS namespace (hostname), sshd, containerd and dockerd, on one private L2 segment that
 * the test process reaches over SSH. Nothing outside the lab's namespaces, its workDir and its
 * cgroups is touched, and teardown() removes all of it.
 *
 * ## Topology
 *
 *   root netns (test process)            lab netns co-lab-<id>              host netns co-lab-<id>-<i>
 *   co<id>  198.51.100.1/24  ── veth ──  up0 ─┐                             (hostname host<i>)
 *                                              br0 ── h<i> ── veth ──────── eth0 198.51.100.(10+i)/24
 *                                                                           (or opts.ips[i-1])
 *                                                                           sshd :22, dockerd, containerd
 *
 * The bridge lives in its own "lab" namespace, so the root namespace only gains one veth and one
 * connected route for the lab subnet. `<id>` is the owning pid (plus `x<n>` for a second lab in the
 * same process), which is what lets `reapStaleLabs()` recognise labs whose owner died.
 *
 * ## Recipe (verified on Debian 12: docker.io 20.10.24, containerd 1.6.20, OpenSSH 9.2, kernel 6.x)
 *
 * Per host, all daemons are started with `nsenter --net=/run/netns/<ns> --uts=<dir>/uts -- …`:
 * 1. `ip netns add`, `ip link add eth0 netns <host> type veth peer name h<i> netns <lab>`, address,
 *    lo up. A persistent UTS namespace is made with `unshare --uts=<dir>/uts hostname host<i>`
 *    (a bind mount in workDir), so every node has its own hostname in `docker node ls`.
 * 2. sshd: `/usr/sbin/sshd -D -e -f <dir>/sshd_config` with its own ed25519 host key,
 *    `ListenAddress <ip>`, `PermitRootLogin prohibit-password`, `PasswordAuthentication no`,
 *    `PermitUserEnvironment yes`, `StrictModes no`, `UsePAM no`, `PidFile` and
 *    `AuthorizedKeysFile <dir>/authorized_keys`; the key line carries
 *    `environment="DOCKER_HOST=unix://<dir>/docker.sock"`, so `docker` in an SSH session on that
 *    host talks to that host's dockerd.
 * 3. containerd: one per host, own config (`root`, `state`, `grpc.address`, opt-plugin path inside
 *    `<dir>/ctd`, CRI plugin disabled), started before dockerd; dockerd gets `--containerd <sock>`.
 * 4. dockerd: `--config-file <dir>/daemon.json` (holding `"deprecated-key-path"`),
 *    `--iptables=false --ip6tables=false --bridge=none`, `--data-root <dir>/data`,
 *    `--exec-root <dir>/exec`, `--pidfile`, `-H unix://<dir>/docker.sock`,
 *    `--containerd-namespace co<i> --containerd-plugins-namespace co<i>p`,
 *    `--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent co-lab-<id>-<i>`, `--shutdown-timeout 2`.
 *    Ready when `docker version` answers on its socket (≈1 s for three hosts).
 * Swarm then works unchanged over the bridge (2377/tcp, 7946/tcp+udp, 4789/udp are not filtered by
 * anything): `swarm init --advertise-addr <ip>`, `swarm join --token … <ip1>:2377`.
 *
 * ## Pitfalls found (and what this module does about them)
 *
 * - `ip netns exec` unshares a mount namespace and remounts /sys, which hides the cgroup mounts from
 *   dockerd: use `nsenter --net`. Consequence: the daemons share the root mount namespace, so every
 *   mount dockerd makes (a bind mount of data-root onto itself, overlay2 `merged` dirs, nsfs bind
 *   mounts in `exec/netns/` for the default, ingress_sbox and overlay sandboxes) is visible in the
 *   root namespace and must be unmounted by teardown — never `rm -rf` workDir while any remain.
 *   Also /sys/class/net still shows the ROOT namespace, hence benign dockerd log errors such as
 *   "enabling default vlan on bridge br0 failed … default_pvid: permission denied".
 * - dockerd 20.10 without `--containerd` uses `/run/containerd/containerd.sock` whenever a system
 *   containerd runs. That containerd lives in the root netns, so `--network host` containers would
 *   land in the ROOT namespace and all labs would share it. Hence one private containerd per host,
 *   started inside the host's netns (containers inherit the netns of containerd → shim → runc).
 *   Shim sockets are hard-coded to `/run/containerd/s/<sha256>`: the shims delete them on exit;
 *   teardown deletes those of killed shims (from the `address` files in containerd's state dir).
 * - dockerd 20.10 writes its trust key to `/etc/docker/key.json` unless daemon.json sets
 *   `"deprecated-key-path"`; that is a config-file key only (`--deprecated-key-path` on the command
 *   line is "unknown flag"). A private `--config-file` also keeps /etc/docker/daemon.json out.
 * - Without a UTS namespace all nodes report the machine's hostname in `docker node ls`.
 * - sshd refuses to start without its privilege-separation dir `/run/sshd`; it is created if
 *   missing and left in place (a standard, shared runtime dir). `UsePAM no` works because Debian's
 *   root has `*` (not `!`, "locked") in /etc/shadow; with a locked root, pubkey login needs UsePAM yes.
 * - On PATH, `/usr/local/bin/docker` (CLI 28.x here) comes before Debian's `/usr/bin/docker`
 *   (20.10); it negotiates API 1.41 with dockerd 20.10 and works.
 * - No IPVS in this kernel (CONFIG_IP_VS unset): swarm init/join and scheduling work, but service
 *   VIPs and the ingress routing mesh don't (dockerd logs "error reading the kernel parameter
 *   net.ipv4.vs.*", benign). What works (all verified across hosts): `--network host` (tasks run
 *   in the host's netns, reachable from the test process at the host's IP); an overlay network
 *   with `--endpoint-mode dnsrr` (VXLAN is in the kernel: the service name resolves to task IPs,
 *   TCP between tasks on different hosts works; with the default vip mode the name resolves to an
 *   unreachable VIP); `--publish mode=host,…` (served by docker-proxy since iptables is off,
 *   reachable from the test process); never ingress-mode publishing. With `--bridge=none` a
 *   container or task without a network has only `lo` (it still runs); overlay tasks also get
 *   docker_gwbridge (172.17.0.0/16 inside the host netns, no NAT, so no way out — nor needed).
 * - Debian's busybox-static `wget` segfaults (exit 139), inside containers and out: probe HTTP
 *   with `nc` in the image and with curl from the test process.
 * - No registry is reachable: images are made with `docker import` (see importBusybox) and services
 *   created with `--no-resolve-image`.
 * - `sleep` as PID 1 ignores SIGTERM, so stopping a task (drain, service rm, dockerd shutdown) waits
 *   the full 10 s stop-grace-period: create test services with `--stop-grace-period 1s`. dockerd's
 *   shutdown waits for that too, so teardown stops all dockerds in parallel, bounded, then SIGKILLs.
 * - Containers that are not on the host network live in their own netns; if their shim is killed
 *   they are orphaned and invisible to `ip netns pids`. The per-host `--cgroup-parent` finds them
 *   (and its directories, left in every cgroup hierarchy, are removed by teardown).
 * - Daemons are children of this process. While teardown blocks synchronously (exit handlers), Node
 *   cannot reap them, and `kill(pid, 0)` succeeds on a zombie: liveness is read from /proc/<pid>/stat.
 * - `ip netns del` only removes the name; the namespace (and its veths) lives while any process is
 *   in it, so every process in it is killed first. Deleting the lab namespace destroys the bridge
 *   and both veth ends, including the root-side one.
 * - Unix socket paths are limited to 107 bytes and dockerd's longest one is
 *   `<workDir>/hN/exec/libnetwork/<12 hex>.sock`: workDir is limited to 60 characters.
 * - The lab claims its subnet in the root namespace: concurrent labs need distinct subnets
 *   (creation fails clearly if the subnet is already routed). Lab ids are `<pid>` then `<pid>x<n>`,
 *   skipping ids whose namespace exists (vitest threads share one pid).
 * - Daemons run in their own process group (a Ctrl-C to the runner must not kill them out of
 *   order); teardown also runs from `exit` and SIGINT/SIGTERM/SIGHUP handlers. Only SIGKILL of the
 *   owner leaks a lab; the next createNetnsLab() reaps it (reapStaleLabs: namespaces named after a
 *   dead pid, workDir found via the marker file `.co-netns-lab` from the daemons' command lines
 *   or nsfs mounts).
 * - Debug: CO_NETNS_DEBUG=1 prints the duration of each teardown step (dockerd's shutdown, ~3 s
 *   with swarm tasks running, dominates; a whole 3-host lab starts in ~1.5 s).
 * - Left in place on purpose (shared system runtime dirs, empty after teardown, also created by the
 *   distribution's own services): /run/netns, /run/sshd, /run/docker/plugins, /run/containerd/s.
 *
 * ## API
 *
 *   const lab = await createNetnsLab({ count: 3, subnet: freeSubnet(), authorizedKey, workDir,
 *                                      ips?: [...], readyTimeoutMs?: 60_000 });
 *   lab.hosts[0] // { index: 1, name: 'host1', ip: '198.51.100.11', ns, dockerHost, dir, hostKey }
 *   lab.host('host2') / lab.host(2)                     // lookup by name, ns, ip or index
 *   await lab.exec(lab.hosts[0], ['docker', 'info'])  // in the host's netns, with its DOCKER_HOST
 *   await importBusybox(lab)                            // 'busybox-local:1' on every host
 *   await lab.teardown()                                // idempotent; also runs on exit/signals
 *   lab.teardownSync()                                  // the same, blocking
 *   labLeftovers(lab)                                   // [] after a clean teardown
 *   freeSubnet()       // '198.51.100.0/24', or '203.0.113.0/24' when another lab holds the first
 *   reapStaleLabs()    // tears down labs of dead owners (createNetnsLab calls it)
 *   Prerequisites and the skip/CI=true-fail policy: ./prereqs.ts (checkPrereqs, gateTier).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { findBusybox, SSHD } from './prereqs.js';

export interface NetnsLabOptions {
  /** Number of hosts (1..50). */
  count: number;
  /** IPv4 subnet of the lab segment, e.g. '198.51.100.0/24'; .1 is the test process, .(10+i) host i by default. */
  subnet: string;
  /** One OpenSSH public key line (`ssh-ed25519 AAAA… comment`) authorised for root on every host. */
  authorizedKey: string;
  /** Absolute, at most 60 characters, absent or empty; owned by the lab and removed by teardown. */
  workDir: string;
  /**
   * Host addresses inside the subnet (default `.(10+i)`), e.g. the public IPs the simulated cloud
   * assigned to its VMs, so the reconciler's SSH lands on the matching lab host.
   */
  ips?: string[];
  /** How long to wait for every sshd and dockerd to answer (default 60 s). */
  readyTimeoutMs?: number;
}

export interface LabHost {
  /** 1-based. */
  index: number;
  /** Hostname inside the host (its UTS namespace), hence the swarm node's HOSTNAME. */
  name: string;
  ip: string;
  /** Network namespace name (`/run/netns/<ns>`). */
  ns: string;
  /** `unix://<dir>/docker.sock`, also what SSH sessions on the host get as DOCKER_HOST. */
  dockerHost: string;
  /** The host's private directory inside workDir. */
  dir: string;
  /** sshd's public host key, `ssh-ed25519 AAAA…` (for known_hosts / host-key pinning). */
  hostKey: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
}

export interface NetnsLab {
  id: string;
  /** Namespace holding the bridge. */
  labNs: string;
  /** Root-namespace end of the uplink veth. */
  uplink: string;
  /** The test process's address on the lab segment. */
  gateway: string;
  prefixLength: number;
  workDir: string;
  hosts: LabHost[];
  host(ref: LabHost | string | number): LabHost;
  /**
   * Runs a command in the host's network and UTS namespaces with DOCKER_HOST set to the host's
   * dockerd (a string runs under `sh -c`). Never throws on a non-zero exit; see `code`.
   */
  exec(host: LabHost | string | number, cmd: string | readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Idempotent; stops everything, unmounts, deletes namespaces, cgroups and workDir. */
  teardown(): Promise<void>;
  /** Same, blocking (for exit handlers). */
  teardownSync(): void;
}

// ---------------------------------------------------------------------------------------------
// internal state

const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MARKER = '.co-netns-lab';
const NAME_RE = /^co-lab-(\d+(?:x\d+)?)(?:-(\d+))?$/;

interface HostState extends LabHost {
  utsFile: string;
  pids: { sshd?: number; containerd?: number; dockerd?: number };
}

interface LabState {
  id: string;
  labNs: string;
  uplink: string;
  /** Undefined only for a stale lab whose workDir could not be found. */
  workDir?: string;
  hosts: HostState[];
  done: boolean;
}

const active = new Set<LabState>();
let labSeq = 0;

function hostDir(workDir: string, i: number): string {
  return path.join(workDir, `h${i}`);
}

function cgroupName(id: string, i: number): string {
  return `co-lab-${id}-${i}`;
}

// ---------------------------------------------------------------------------------------------
// small helpers

function sh(cmd: string, args: string[], opts: { allowFail?: boolean; input?: string } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, input: opts.input, env: { ...process.env, PATH: `${process.env.PATH ?? ''}:${PATH_ENV}` } });
  const res = { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  if (res.code !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${res.code}): ${res.stderr.trim()}`);
  return res;
}

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new Error(`bad IPv4 address ${ip}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseSubnet(subnet: string): { network: number; prefix: number; size: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(subnet);
  if (!m) throw new Error(`subnet must look like 198.51.100.0/24, got ${subnet}`);
  const prefix = Number(m[2]);
  if (prefix < 8 || prefix > 29) throw new Error(`subnet prefix must be /8../29, got /${prefix}`);
  const size = 2 ** (32 - prefix);
  const network = ipToInt(m[1]!);
  if (network % size !== 0) throw new Error(`${subnet} is not a network address`);
  return { network, prefix, size };
}

/** Alive = exists and is not a zombie (kill(pid, 0) succeeds on zombies we have not reaped yet). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => p !== process.pid);
}

function nsInode(file: string): number | undefined {
  try {
    return fs.statSync(file).ino;
  } catch {
    return undefined;
  }
}

interface MountEntry {
  target: string;
  fstype: string;
  source: string;
}

function mounts(): MountEntry[] {
  const unesc = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      const sep = f.indexOf('-');
      return { target: unesc(f[4] ?? ''), fstype: f[sep + 1] ?? '', source: `${f[3] ?? ''} ${f[sep + 2] ?? ''}` };
    });
}

function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

export function mountsUnder(dir: string): string[] {
  return mounts()
    .map((m) => m.target)
    .filter((t) => under(t, dir));
}

/** Lab cgroup directories, in every hierarchy (v1: /sys/fs/cgroup/<ctrl>/<name>, v2: /sys/fs/cgroup/<name>). */
function labCgroupDirs(id: string): string[] {
  const re = new RegExp(`^co-lab-${id}-\\d+$`);
  const out: string[] = [];
  const scan = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (re.test(e.name)) out.push(p);
      else if (depth === 0) scan(p, 1);
    }
  };
  scan('/sys/fs/cgroup', 0);
  return out;
}

function subdirsDepthFirst(dir: string): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) if (e.isDirectory()) out.push(...subdirsDepthFirst(path.join(dir, e.name)));
  out.push(dir);
  return out;
}

/**
 * Every process that belongs to the lab: in one of its network namespaces, in one of its cgroups,
 * or started with a path inside workDir (dockerd, containerd, sshd, shims).
 */
function labProcesses(s: LabState): number[] {
  const inodes = new Set<string>();
  for (const ns of [s.labNs, ...s.hosts.map((h) => h.ns)]) {
    const ino = nsInode(`/run/netns/${ns}`);
    if (ino !== undefined) inodes.add(`net:[${ino}]`);
  }
  const cg = new RegExp(`/co-lab-${s.id}-\\d+(/|$)`, 'm');
  const out: number[] = [];
  for (const pid of allPids()) {
    let mine = false;
    try {
      if (inodes.size && inodes.has(fs.readlinkSync(`/proc/${pid}/ns/net`))) mine = true;
    } catch {
      /* raced */
    }
    if (!mine) {
      try {
        if (cg.test(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'))) mine = true;
      } catch {
        /* raced */
      }
    }
    if (!mine && s.workDir) {
      const wd = s.workDir;
      if (cmdline(pid).some((a) => under(a, wd) || a.includes(`${wd}/`))) mine = true;
    }
    if (mine && alive(pid)) out.push(pid);
  }
  return out;
}

/** Is this pid still the daemon we started (guards against pid reuse)? */
function ours(pid: number | undefined, s: LabState): pid is number {
  if (pid === undefined || !alive(pid)) return false;
  const wd = s.workDir;
  return wd !== undefined && cmdline(pid).some((a) => a.includes(wd));
}

// ---------------------------------------------------------------------------------------------
// teardown, written once as a generator of sleeps so it runs both async and blocking

type Steps = Generator<number, void, void>;

function* waitGone(pids: number[], timeoutMs: number): Steps {
  const until = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < until) yield 50;
}

function* stopAll(pids: number[], graceMs: number): Steps {
  const live = pids.filter(alive);
  if (!live.length) return;
  for (const p of live) kill(p, 'SIGTERM');
  yield* waitGone(live, graceMs);
  const stuck = live.filter(alive);
  for (const p of stuck) kill(p, 'SIGKILL');
  yield* waitGone(stuck, 5_000);
}

function* teardownSteps(s: LabState): Steps {
  if (s.done) return;
  const errors: string[] = [];
  const step = function* (what: string, body: () => Steps | void): Steps {
    const t0 = Date.now();
    try {
      const g = body();
      if (g) yield* g;
    } catch (e) {
      errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (process.env.CO_NETNS_DEBUG) console.error(`[netns-lab ${s.id}] teardown ${what}: ${Date.now() - t0} ms`);
  };
  const pidOf = (h: HostState, d: 'sshd' | 'containerd' | 'dockerd'): number | undefined => {
    if (ours(h.pids[d], s)) return h.pids[d];
    try {
      const p = Number(fs.readFileSync(path.join(h.dir, `${d}.pid`), 'utf8').trim());
      return ours(p, s) ? p : undefined;
    } catch {
      return undefined;
    }
  };

  // 1. dockerd first (it stops its containers and unmounts most of what it mounted), in parallel.
  yield* step('stop dockerd', () => stopAll(s.hosts.map((h) => pidOf(h, 'dockerd')).filter((p): p is number => p !== undefined), 20_000));
  // 2. containerd and sshd.
  yield* step('stop containerd/sshd', () =>
    stopAll(s.hosts.flatMap((h) => [pidOf(h, 'containerd'), pidOf(h, 'sshd')]).filter((p): p is number => p !== undefined), 5_000),
  );
  // 3. Anything else of ours: shims, containers (host netns or lab cgroups), SSH sessions.
  yield* step('kill stragglers', function* () {
    for (let round = 0; round < 5; round++) {
      const rest = labProcesses(s);
      if (!rest.length) return;
      for (const p of rest) kill(p, 'SIGKILL');
      yield* waitGone(rest, 5_000);
    }
    const rest = labProcesses(s);
    if (rest.length) throw new Error(`processes survive SIGKILL: ${rest.join(', ')}`);
  });
  // 4. Sockets of killed shims live outside workDir (/run/containerd/s/<sha256>).
  yield* step('shim sockets', () => {
    for (const h of s.hosts) {
      const tasks = path.join(h.dir, 'ctd', 'state', 'io.containerd.runtime.v2.task');
      for (const ns of safeReaddir(tasks)) {
        for (const id of safeReaddir(path.join(tasks, ns))) {
          let addr = '';
          try {
            addr = fs.readFileSync(path.join(tasks, ns, id, 'address'), 'utf8').trim();
          } catch {
            continue;
          }
          const sock = addr.replace(/^unix:\/\//, '');
          if (sock.startsWith('/run/containerd/s/')) fs.rmSync(sock, { force: true });
        }
      }
    }
  });
  // 5. Unmount everything under workDir, deepest first, until nothing is left.
  if (s.workDir) {
    const wd = s.workDir;
    yield* step('unmount', function* () {
      for (let round = 0; round < 10; round++) {
        const ms = mountsUnder(wd).sort((a, b) => b.length - a.length);
        if (!ms.length) return;
        for (const m of ms) sh('umount', [m], { allowFail: true });
        if (round >= 3) for (const m of mountsUnder(wd)) sh('umount', ['-l', m], { allowFail: true });
        yield 20;
      }
      const left = mountsUnder(wd);
      if (left.length) throw new Error(`still mounted: ${left.join(', ')}`);
    });
  }
  // 6. cgroup directories (containers' cgroups under the per-host cgroup parent).
  yield* step('cgroups', function* () {
    for (let round = 0; round < 20; round++) {
      const dirs = labCgroupDirs(s.id);
      if (!dirs.length) return;
      for (const d of dirs) for (const sub of subdirsDepthFirst(d)) {
        try {
          fs.rmdirSync(sub);
        } catch {
          /* busy: retried */
        }
      }
      yield 50;
    }
    const left = labCgroupDirs(s.id);
    if (left.length) throw new Error(`cgroups left: ${left.join(', ')}`);
  });
  // 7. Namespaces (the lab namespace last: it takes the bridge and all veths with it).
  yield* step('namespaces', () => {
    for (const ns of [...s.hosts.map((h) => h.ns), s.labNs]) {
      if (fs.existsSync(`/run/netns/${ns}`)) sh('ip', ['netns', 'del', ns]);
    }
  });
  yield* step('uplink', function* () {
    for (let i = 0; i < 40 && fs.existsSync(`/sys/class/net/${s.uplink}`); i++) {
      if (i === 10) sh('ip', ['link', 'del', s.uplink], { allowFail: true });
      yield 25;
    }
    if (fs.existsSync(`/sys/class/net/${s.uplink}`)) throw new Error(`link ${s.uplink} remains`);
  });
  // 8. workDir, only once nothing is mounted below it.
  if (s.workDir) {
    const wd = s.workDir;
    yield* step('workDir', () => {
      if (mountsUnder(wd).length) throw new Error(`not removing ${wd}: mounts remain`);
      fs.rmSync(wd, { recursive: true, force: true });
    });
  }
  if (errors.length) throw new Error(`netns lab ${s.id} teardown incomplete:\n  ${errors.join('\n  ')}`);
  s.done = true;
  active.delete(s);
  if (!active.size) uninstallHandlers();
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function runSync(g: Steps): void {
  for (let r = g.next(); !r.done; r = g.next()) Atomics.wait(sleepCell, 0, 0, r.value);
}
async function runAsync(g: Steps): Promise<void> {
  for (let r = g.next(); !r.done; r = g.next()) await delay(r.value);
}

// Serialise teardown per lab: a second call while one runs waits for it.
const running = new WeakMap<LabState, Promise<void>>();
function teardownAsync(s: LabState): Promise<void> {
  const cur = running.get(s);
  if (cur) return cur;
  const p = runAsync(teardownSteps(s)).finally(() => running.delete(s));
  running.set(s, p);
  return p;
}

// ---------------------------------------------------------------------------------------------
// exit / signal handlers

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

function teardownAllSync(): void {
  for (const s of [...active]) {
    try {
      runSync(teardownSteps(s));
    } catch (e) {
      console.error(e instanceof Error ? e.message : e);
    }
  }
}

function onExit(): void {
  teardownAllSync();
}

function onSignal(sig: NodeJS.Signals): void {
  teardownAllSync();
  uninstallHandlers();
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const sig of SIGNALS) process.on(sig, onSignal);
}

function uninstallHandlers(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const sig of SIGNALS) process.off(sig, onSignal);
}

// ---------------------------------------------------------------------------------------------
// stale labs (owner process died without teardown, e.g. SIGKILL)

/**
 * Tears down labs whose owning process is gone. Finds their workDir through the marker file
 * reached from their daemons' command lines or their nsfs mounts. Returns the ids reaped.
 */
export function reapStaleLabs(): string[] {
  const byId = new Map<string, Set<number>>();
  for (const name of safeReaddir('/run/netns')) {
    const m = NAME_RE.exec(name);
    if (!m) continue;
    const id = m[1]!;
    if (!byId.has(id)) byId.set(id, new Set());
    if (m[2]) byId.get(id)!.add(Number(m[2]));
  }
  // Labs can also survive without namespaces (half-way teardown): look at marker-bearing mounts.
  const candidates: string[] = [];
  for (const m of mounts()) if (m.fstype === 'nsfs' || m.fstype === 'overlay' || /\/h\d+\/data$/.test(m.target)) candidates.push(m.target);
  for (const pid of allPids()) for (const a of cmdline(pid)) if (a.startsWith('/') && /\/h\d+\//.test(a)) candidates.push(a);
  const workDirs = new Map<string, string>();
  for (const c of candidates) {
    const found = findMarker(c);
    if (found && !workDirs.has(found.id)) workDirs.set(found.id, found.dir);
  }
  for (const id of workDirs.keys()) if (!byId.has(id)) byId.set(id, new Set());

  const reaped: string[] = [];
  for (const [id, idx] of byId) {
    const owner = Number(id.split('x')[0]);
    if (owner === process.pid || alive(owner)) continue;
    const workDir = workDirs.get(id);
    if (workDir) for (const d of safeReaddir(workDir)) if (/^h\d+$/.test(d)) idx.add(Number(d.slice(1)));
    const s: LabState = {
      id,
      labNs: `co-lab-${id}`,
      uplink: uplinkName(id),
      workDir,
      hosts: [...idx].map((i) => hostState(id, workDir ?? `/nonexistent-co-lab-${id}`, i, '')),
      done: false,
    };
    try {
      runSync(teardownSteps(s));
      reaped.push(id);
    } catch (e) {
      console.warn(`[netns-lab] could not reap stale lab ${id}: ${e instanceof Error ? e.message : e}`);
    }
  }
  return reaped;
}

function findMarker(p: string): { id: string; dir: string } | undefined {
  let dir = p;
  for (let i = 0; i < 12 && dir !== '/' && dir !== '.'; i++) {
    dir = path.dirname(dir);
    try {
      const m = JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')) as { id?: unknown };
      if (typeof m.id === 'string') return { id: m.id, dir };
    } catch {
      /* keep climbing */
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// creation

function uplinkName(id: string): string {
  return `co${id}`.slice(0, 15);
}

function hostState(id: string, workDir: string, i: number, ip: string): HostState {
  const dir = hostDir(workDir, i);
  return {
    index: i,
    name: `host${i}`,
    ip,
    ns: `co-lab-${id}-${i}`,
    dockerHost: `unix://${dir}/docker.sock`,
    dir,
    hostKey: '',
    utsFile: path.join(dir, 'uts'),
    pids: {},
  };
}

function nsArgs(h: HostState): string[] {
  return [`--net=/run/netns/${h.ns}`, `--uts=${h.utsFile}`, '--'];
}

function spawnDaemon(h: HostState, name: string, argv: string[]): number {
  const log = fs.openSync(path.join(h.dir, `${name}.log`), 'a');
  try {
    const child = spawn('nsenter', [...nsArgs(h), ...argv], {
      detached: true, // own process group: a Ctrl-C to the test runner must not kill daemons out of order
      stdio: ['ignore', log, log],
      env: { PATH: PATH_ENV, LANG: 'C' },
    });
    child.on('error', (e) => fs.appendFileSync(path.join(h.dir, `${name}.log`), `spawn error: ${e.message}\n`));
    child.unref();
    if (child.pid === undefined) throw new Error(`could not spawn ${name} for ${h.name}`);
    return child.pid; // nsenter execs the daemon (no --fork needed for net/uts): same pid
  } finally {
    fs.closeSync(log);
  }
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function sshBanner(ip: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: ip, port: 22 });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('data', (d) => done(d.toString('latin1').startsWith('SSH-')));
    sock.once('error', () => done(false));
  });
}

/** The caller's environment without settings that would point the docker CLI elsewhere. */
function dockerFreeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION']) delete env[k];
  return env;
}

function execIn(h: HostState, cmd: string | readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const argv = typeof cmd === 'string' ? ['sh', '-c', cmd] : [...cmd];
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [...nsArgs(h), ...argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...dockerFreeEnv(), PATH: `${process.env.PATH ?? ''}:${PATH_ENV}`, DOCKER_HOST: h.dockerHost },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n(killed after ${opts.timeoutMs ?? 120_000} ms)`;
    }, opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

function writeHostFiles(s: LabState, h: HostState, authorizedKey: string): void {
  fs.mkdirSync(h.dir, { recursive: true, mode: 0o755 });
  fs.mkdirSync(path.join(h.dir, 'ctd'), { mode: 0o711 });
  // Host key.
  const key = path.join(h.dir, 'ssh_host_ed25519_key');
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${h.name}.${s.id}`, '-f', key]);
  h.hostKey = fs.readFileSync(`${key}.pub`, 'utf8').trim();
  fs.writeFileSync(path.join(h.dir, 'authorized_keys'), `environment="DOCKER_HOST=${h.dockerHost}" ${authorizedKey}\n`, { mode: 0o600 });
  fs.writeFileSync(
    path.join(h.dir, 'sshd_config'),
    [
      `ListenAddress ${h.ip}`,
      'Port 22',
      `HostKey ${key}`,
      `PidFile ${path.join(h.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(h.dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitUserEnvironment yes',
      'StrictModes no',
      'UsePAM no',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'MaxStartups 100:30:200',
      'MaxSessions 50',
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  const ctd = path.join(h.dir, 'ctd');
  fs.writeFileSync(
    path.join(h.dir, 'containerd.toml'),
    [
      'version = 2',
      `root = ${JSON.stringify(path.join(ctd, 'root'))}`,
      `state = ${JSON.stringify(path.join(ctd, 'state'))}`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = ${JSON.stringify(path.join(ctd, 'containerd.sock'))}`,
      '[ttrpc]',
      '  address = ""',
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = ${JSON.stringify(path.join(ctd, 'opt'))}`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(h.dir, 'daemon.json'), `${JSON.stringify({ 'deprecated-key-path': path.join(h.dir, 'key.json') }, null, 2)}\n`);
}

class AbortedError extends Error {
  constructor() {
    super('aborted: another host failed');
  }
}

async function setup(s: LabState, opts: NetnsLabOptions, gateway: string, prefix: number): Promise<void> {
  const wd = s.workDir!;
  fs.mkdirSync(wd, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(wd, MARKER), JSON.stringify({ id: s.id, pid: process.pid, created: new Date().toISOString() }));
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  // The segment: bridge in its own namespace, uplink veth into the root namespace.
  sh('ip', ['netns', 'add', s.labNs]);
  sh('ip', ['-n', s.labNs, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', s.labNs, 'link', 'add', 'br0', 'type', 'bridge']);
  sh('ip', ['-n', s.labNs, 'link', 'set', 'br0', 'up']);
  sh('ip', ['link', 'add', s.uplink, 'type', 'veth', 'peer', 'name', 'up0', 'netns', s.labNs]);
  sh('ip', ['-n', s.labNs, 'link', 'set', 'up0', 'master', 'br0', 'up']);
  sh('ip', ['addr', 'add', `${gateway}/${prefix}`, 'dev', s.uplink]);
  sh('ip', ['link', 'set', s.uplink, 'up']);

  for (const h of s.hosts) {
    sh('ip', ['netns', 'add', h.ns]);
    sh('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['link', 'add', 'eth0', 'netns', h.ns, 'type', 'veth', 'peer', 'name', `h${h.index}`, 'netns', s.labNs]);
    sh('ip', ['-n', s.labNs, 'link', 'set', `h${h.index}`, 'master', 'br0', 'up']);
    sh('ip', ['-n', h.ns, 'addr', 'add', `${h.ip}/${prefix}`, 'dev', 'eth0']);
    sh('ip', ['-n', h.ns, 'link', 'set', 'eth0', 'up']);
    writeHostFiles(s, h, opts.authorizedKey.trim());
    fs.writeFileSync(h.utsFile, '');
    sh('unshare', [`--uts=${h.utsFile}`, 'hostname', h.name]);
    h.pids.sshd = spawnDaemon(h, 'sshd', [SSHD, '-D', '-e', '-f', path.join(h.dir, 'sshd_config')]);
    h.pids.containerd = spawnDaemon(h, 'containerd', ['containerd', '--config', path.join(h.dir, 'containerd.toml')]);
  }

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  // One host failing aborts the others' waits, so nothing is spawned once teardown may have begun.
  let aborted = false;
  const failIfDead = (h: HostState, d: 'sshd' | 'containerd' | 'dockerd') => {
    if (aborted) throw new AbortedError();
    const pid = h.pids[d];
    if (pid !== undefined && !alive(pid)) throw new Error(`${d} on ${h.name} exited:\n${tail(path.join(h.dir, `${d}.log`))}`);
  };
  const waitFor = async (h: HostState, d: 'sshd' | 'containerd' | 'dockerd', probe: () => Promise<boolean>) => {
    while (!(await probe())) {
      failIfDead(h, d);
      if (Date.now() > deadline) throw new Error(`${d} on ${h.name} not ready in time:\n${tail(path.join(h.dir, `${d}.log`))}`);
      await delay(100);
    }
  };

  const results = await Promise.allSettled(
    s.hosts.map(async (h) => {
      try {
        await startDockerd(h);
      } catch (e) {
        aborted = true;
        throw e;
      }
    }),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failures.length) throw failures.find((e) => !(e instanceof AbortedError)) ?? failures[0];

  async function startDockerd(h: HostState): Promise<void> {
    const sock = path.join(h.dir, 'ctd', 'containerd.sock');
    await waitFor(h, 'containerd', async () => fs.existsSync(sock));
    failIfDead(h, 'containerd');
    h.pids.dockerd = spawnDaemon(h, 'dockerd', [
      'dockerd',
      '--config-file', path.join(h.dir, 'daemon.json'),
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--data-root', path.join(h.dir, 'data'),
      '--exec-root', path.join(h.dir, 'exec'),
      '--pidfile', path.join(h.dir, 'dockerd.pid'),
      '-H', h.dockerHost,
      '--containerd', sock,
      '--containerd-namespace', `co${h.index}`,
      '--containerd-plugins-namespace', `co${h.index}p`,
      '--exec-opt', 'native.cgroupdriver=cgroupfs',
      '--cgroup-parent', cgroupName(s.id, h.index),
      '--shutdown-timeout', '2',
    ]);
    await waitFor(h, 'sshd', () => sshBanner(h.ip, 1_000));
    await waitFor(h, 'dockerd', async () => (await execIn(h, ['docker', 'version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 })).code === 0);
  }
}

function resolveHost(hosts: HostState[], ref: LabHost | string | number): HostState {
  const h =
    typeof ref === 'number' ? hosts.find((x) => x.index === ref) : typeof ref === 'string' ? hosts.find((x) => x.name === ref || x.ns === ref || x.ip === ref) : hosts.find((x) => x.ns === ref.ns);
  if (!h) throw new Error(`no such lab host: ${typeof ref === 'object' ? ref.name : ref}`);
  return h;
}

/** Creates the lab; on any failure everything created so far is torn down before rethrowing. */
export async function createNetnsLab(opts: NetnsLabOptions): Promise<NetnsLab> {
  if (process.getuid?.() !== 0) throw new Error('createNetnsLab needs root');
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > 50) throw new Error(`count must be 1..50, got ${opts.count}`);
  if (!path.isAbsolute(opts.workDir)) throw new Error(`workDir must be absolute: ${opts.workDir}`);
  const workDir = path.resolve(opts.workDir);
  if (workDir.length > 60) throw new Error(`workDir too long for unix socket paths (max 60 chars): ${workDir}`);
  if (!/^(ssh-|ecdsa-|sk-)\S+ \S+/.test(opts.authorizedKey.trim()) || opts.authorizedKey.trim().includes('\n')) {
    throw new Error('authorizedKey must be one OpenSSH public key line without options');
  }
  const { network, prefix, size } = parseSubnet(opts.subnet);
  const gateway = intToIp(network + 1);
  let ips: string[];
  if (opts.ips) {
    if (opts.ips.length !== opts.count) throw new Error(`ips has ${opts.ips.length} entries for ${opts.count} hosts`);
    ips = opts.ips.map((ip) => {
      const n = ipToInt(ip);
      if (n <= network + 1 || n >= network + size - 1) throw new Error(`${ip} is not a host address of ${opts.subnet} other than the gateway ${gateway}`);
      return intToIp(n);
    });
    if (new Set(ips).size !== ips.length) throw new Error(`ips has duplicates: ${ips.join(', ')}`);
  } else {
    if (10 + opts.count >= size - 1) throw new Error(`${opts.subnet} is too small for ${opts.count} hosts (.1 gateway, .(10+i) hosts)`);
    ips = Array.from({ length: opts.count }, (_, k) => intToIp(network + 10 + k + 1));
  }

  // Checked before the lab owns workDir: a failed creation tears down, which deletes workDir.
  if (fs.existsSync(workDir) && !fs.statSync(workDir).isDirectory()) throw new Error(`workDir ${workDir} is not a directory`);
  if (safeReaddir(workDir).length) throw new Error(`workDir ${workDir} is not empty (the lab owns and deletes it)`);
  if (mountsUnder(workDir).length) throw new Error(`workDir ${workDir} is or contains a mount point (teardown unmounts everything below it)`);

  const reaped = reapStaleLabs();
  if (reaped.length) console.warn(`[netns-lab] reaped stale labs: ${reaped.join(', ')}`);

  const routed = sh('ip', ['-4', 'route', 'show', 'exact', `${intToIp(network)}/${prefix}`]).stdout.trim();
  if (routed) throw new Error(`${opts.subnet} is already routed in the root namespace (${routed}); another lab running? use a distinct subnet`);

  // The pid makes names unique across processes (and lets reapStaleLabs spot dead owners); the
  // sequence, across labs of one process (or vitest threads sharing a pid).
  let id = '';
  do {
    const seq = labSeq++;
    id = seq === 0 ? String(process.pid) : `${process.pid}x${seq}`;
  } while (fs.existsSync(`/run/netns/co-lab-${id}`) || fs.existsSync(`/sys/class/net/${uplinkName(id)}`));
  const s: LabState = {
    id,
    labNs: `co-lab-${id}`,
    uplink: uplinkName(id),
    workDir,
    hosts: Array.from({ length: opts.count }, (_, k) => hostState(id, workDir, k + 1, ips[k]!)),
    done: false,
  };
  active.add(s);
  installHandlers();
  try {
    await setup(s, opts, gateway, prefix);
  } catch (e) {
    try {
      await teardownAsync(s);
    } catch (te) {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n(and teardown after the failure: ${te instanceof Error ? te.message : String(te)})`);
    }
    throw e;
  }

  const hosts = s.hosts;
  return {
    id,
    labNs: s.labNs,
    uplink: s.uplink,
    gateway,
    prefixLength: prefix,
    workDir,
    hosts: hosts.map(({ index, name, ip, ns, dockerHost, dir, hostKey }) => ({ index, name, ip, ns, dockerHost, dir, hostKey })),
    host: (ref) => {
      const { index, name, ip, ns, dockerHost, dir, hostKey } = resolveHost(hosts, ref);
      return { index, name, ip, ns, dockerHost, dir, hostKey };
    },
    exec: (ref, cmd, o) => {
      if (s.done) return Promise.reject(new Error(`lab ${id} is torn down`));
      return execIn(resolveHost(hosts, ref), cmd, o);
    },
    teardown: () => teardownAsync(s),
    teardownSync: () => runSync(teardownSteps(s)),
  };
}

/**
 * The first of `candidates` not already routed in the root namespace (another lab, or this
 * machine's own network). Documentation ranges only; 192.0.2.0/24 is left out on purpose because
 * it is often this VM's own uplink. Throws if none is free.
 */
export function freeSubnet(candidates: readonly string[] = ['198.51.100.0/24', '203.0.113.0/24']): string {
  for (const c of candidates) {
    const { network, prefix } = parseSubnet(c);
    const routed = sh('ip', ['-4', 'route', 'show', 'exact', `${intToIp(network)}/${prefix}`], { allowFail: true }).stdout.trim();
    const gw = sh('ip', ['-4', 'route', 'get', intToIp(network + 1)], { allowFail: true }).stdout;
    if (!routed && !gw.startsWith('local ')) return c;
  }
  throw new Error(`no free lab subnet among ${candidates.join(', ')} (other labs running?)`);
}

/**
 * What a lab left behind (empty after a clean teardown): namespaces, links, routes, processes,
 * mounts, cgroups and workDir. For assertions in tests.
 */
export function labLeftovers(lab: Pick<NetnsLab, 'id' | 'labNs' | 'uplink' | 'workDir' | 'hosts'>): string[] {
  const out: string[] = [];
  for (const name of safeReaddir('/run/netns')) {
    const m = NAME_RE.exec(name);
    if (m && m[1] === lab.id) out.push(`netns ${name}`);
  }
  if (fs.existsSync(`/sys/class/net/${lab.uplink}`)) out.push(`link ${lab.uplink}`);
  const s: LabState = { id: lab.id, labNs: lab.labNs, uplink: lab.uplink, workDir: lab.workDir, hosts: lab.hosts.map((h) => ({ ...h, utsFile: '', pids: {} })), done: false };
  for (const pid of labProcesses(s)) out.push(`process ${pid}: ${cmdline(pid).join(' ')}`);
  for (const m of mountsUnder(lab.workDir)) out.push(`mount ${m}`);
  for (const d of labCgroupDirs(lab.id)) out.push(`cgroup ${d}`);
  if (fs.existsSync(lab.workDir)) out.push(`dir ${lab.workDir}`);
  for (const h of lab.hosts) {
    const r = sh('ip', ['-4', 'route', 'get', h.ip], { allowFail: true }).stdout;
    if (r.includes(`dev ${lab.uplink}`)) out.push(`route to ${h.ip} via ${lab.uplink}`);
  }
  return out;
}

/**
 * Builds `busybox-local:1` (or `ref`) on every host from the static busybox: a rootfs with
 * /bin/busybox and one symlink per applet, `tar`red and `docker import`ed (no registry needed;
 * create services with `--no-resolve-image`). Returns the image reference.
 */
export async function importBusybox(lab: NetnsLab, ref = 'busybox-local:1'): Promise<string> {
  const busybox = findBusybox();
  if (!busybox) throw new Error('busybox not found (Debian: busybox-static)');
  const root = path.join(lab.workDir, 'images', 'busybox-rootfs');
  const tarball = path.join(lab.workDir, 'images', 'busybox.tar');
  if (!fs.existsSync(tarball)) {
    fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
    for (const d of ['tmp', 'etc', 'root']) fs.mkdirSync(path.join(root, d), { recursive: true, mode: d === 'tmp' ? 0o1777 : 0o755 });
    fs.chmodSync(path.join(root, 'tmp'), 0o1777);
    fs.copyFileSync(fs.realpathSync(busybox), path.join(root, 'bin', 'busybox'));
    fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    const applets = sh(busybox, ['--list']).stdout.split('\n').map((a) => a.trim()).filter((a) => a && a !== 'busybox' && !a.includes('/'));
    for (const a of applets) fs.symlinkSync('busybox', path.join(root, 'bin', a));
    fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    fs.writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    sh('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tarball, '.']);
  }
  await Promise.all(
    lab.hosts.map(async (h) => {
      const r = await lab.exec(h, ['docker', 'import', '--change', 'ENV PATH=/bin', '--change', 'CMD ["sh"]', tarball, ref]);
      if (r.code !== 0) throw new Error(`docker import on ${h.name} failed: ${r.stderr.trim()}`);
    }),
  );
  return ref;
}
