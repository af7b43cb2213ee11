import { constants } from 'node:os';
import { NodeSSH } from 'node-ssh';
import ssh2, { type ClientChannel } from 'ssh2';
import { silentLogger, type Logger } from '../../logger.js';
import { StalledError, TransientError } from '../../reconcile/errors.js';
import { fingerprintOf, type KnownHosts } from './known-hosts.js';
import { redact } from './redact.js';
import type { CommandResult, SshRunner, SshTarget } from './types.js';

/** Options of `createSshRunner`. */
export interface SshRunnerOptions {
  /** OpenSSH PEM private key (`ensureKeyPair(dataDir).privateKey`); checked at creation, never logged. */
  privateKey: string;
  /** Where host keys are pinned on first use. */
  knownHosts: KnownHosts;
  /** For targets without a username. Default `root`. */
  username?: string;
  /** TCP connect + handshake + auth, per attempt. Default 10 s. */
  connectTimeoutMs?: number;
  /** Per command unless `run(…, {timeoutMs})` says otherwise. Default 120 s. */
  commandTimeoutMs?: number;
  /** Connection attempts in all (≥ 1) and the pause between them, for VMs still booting. Default 3 × 2 s. */
  retries?: { attempts: number; delayMs: number };
  /** Commands in flight at once on one connection (OpenSSH's MaxSessions is 10). Default 8. */
  maxSessions?: number;
  log?: Logger;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** OpenSSH's words (`session.c` `do_pwchange`) when an expired password meets a session without a TTY. */
const PASSWORD_CHANGE = /Password change required but no TTY available/;

/**
 * A host that refuses every command until its password is changed will not get better by
 * retrying: `StalledError('PasswordExpired')`. Any other result is passed through.
 */
export function refusingExpiredPassword(target: SshTarget, result: CommandResult): CommandResult {
  if (result.code === 0 || !PASSWORD_CHANGE.test(result.stderr)) return result;
  throw new StalledError(
    'PasswordExpired',
    `ssh ${target.host}:${target.port}: the host refuses every command until its password is changed (a DigitalOcean or Hetzner VM created without a provider SSH key gets an expiring root password); replace the VM`,
  );
}

interface Connection {
  ssh: NodeSSH;
  where: string;
  slots: Slots;
}

/**
 * An `SshRunner` over node-ssh (DESIGN §7): one connection per `user@host:port`, opened on first
 * use and reused until it drops or `close()`. Results are the command's raw output (not trimmed)
 * and exit code; a command killed by a signal resolves with 128 + its number. Throws
 * `TransientError('SshUnreachable')` when the host cannot be reached or authenticated after
 * `retries.attempts`, or the connection drops mid-command; `TransientError('SshCommandTimeout')`
 * when a command outlives its timeout; `StalledError('HostKeyChanged')` (no retry) when a host
 * offers a key other than the one pinned for that VM (a new VM at a reused address is pinned afresh);
 * `StalledError('PasswordExpired')` when the host refuses commands until its password is changed. Logs commands at debug level with `redact` strings and
 * recognisable join tokens removed; never logs stdout.
 */
export function createSshRunner(options: SshRunnerOptions): SshRunner {
  const parsed = ssh2.utils.parseKey(options.privateKey);
  if (parsed instanceof Error || !parsed.isPrivateKey()) throw new Error('createSshRunner: privateKey is not a readable private key');
  const log = options.log ?? silentLogger;
  const pool = new Map<string, Promise<Connection>>();
  let closed = false;

  const connection = (target: SshTarget): Promise<Connection> => {
    const where = `${target.username || options.username || 'root'}@${target.host}:${target.port}`;
    // Per VM: a connection to the machine that had this address before is not one to its successor.
    const key = `${where}#${target.vmId ?? ''}`;
    const pooled = pool.get(key);
    if (pooled) return pooled;
    const opening = connectWithRetries(options, log, target, where).then((conn) => {
      const drop = () => {
        if (pool.get(key) === opening) pool.delete(key);
      };
      // After `ready` node-ssh stops listening for errors; an unheard 'error' would crash the process.
      conn.ssh.connection?.on('error', drop).on('close', drop).on('end', drop);
      if (closed) conn.ssh.dispose();
      return conn;
    });
    pool.set(key, opening);
    opening.catch(() => pool.get(key) === opening && pool.delete(key));
    return opening;
  };

  return {
    async run(target, command, runOptions = {}) {
      if (closed) throw new Error('ssh runner is closed');
      const timeoutMs = runOptions.timeoutMs ?? options.commandTimeoutMs ?? 120_000;
      const started = Date.now();
      // A pooled connection can die between uses; a command that never started is safe to send again.
      let result = await runOnce(await connection(target), command, timeoutMs);
      if (result === 'not-started') result = await runOnce(await connection(target), command, timeoutMs);
      if (result === 'not-started') throw new TransientError('SshUnreachable', `ssh ${target.host}:${target.port}: could not open a session`);
      log.debug({ host: target.host, command: redact(command, runOptions.redact), code: result.code, ms: Date.now() - started, ...(result.code === 0 ? {} : { stderr: redact(result.stderr.slice(0, 300), runOptions.redact) }) }, 'ssh command');
      return refusingExpiredPassword(target, result);
    },
    async close() {
      closed = true;
      const open = [...pool.values()];
      pool.clear();
      await Promise.all(open.map((p) => p.then((c) => c.ssh.dispose(), () => undefined)));
    },
  };
}

async function connectWithRetries(options: SshRunnerOptions, log: Logger, target: SshTarget, where: string): Promise<Connection> {
  const attempts = Math.max(1, options.retries?.attempts ?? 3);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const conn = await connectOnce(options, log, target, where);
      log.debug({ host: target.host, attempt }, 'ssh connected');
      return conn;
    } catch (err) {
      if (err instanceof StalledError) throw err;
      last = err;
      log.debug({ host: target.host, attempt, error: messageOf(err) }, 'ssh connect failed');
      if (attempt < attempts) await sleep(options.retries?.delayMs ?? 2000);
    }
  }
  throw new TransientError('SshUnreachable', `ssh ${where}: ${messageOf(last)} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`, { cause: last });
}

async function connectOnce(options: SshRunnerOptions, log: Logger, target: SshTarget, where: string): Promise<Connection> {
  const hostPort = `${target.host}:${target.port}`;
  let changed: { pinned: string; offered: string } | undefined;
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host: target.host,
      port: target.port,
      username: target.username || options.username || 'root',
      privateKey: options.privateKey,
      readyTimeout: options.connectTimeoutMs ?? 10_000,
      keepaliveInterval: 10_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const offered = fingerprintOf(key);
        const verdict = options.knownHosts.verify(hostPort, offered, target.vmId);
        if (verdict === 'pinned') log.info({ host: hostPort, fingerprint: offered }, 'ssh host key pinned on first use');
        if (verdict === 'repinned') log.info({ host: hostPort, vm: target.vmId, fingerprint: offered }, 'ssh host key pinned for a new VM at a reused address');
        if (verdict !== 'changed') return true;
        changed = { pinned: options.knownHosts.get(hostPort) ?? '', offered };
        return false;
      },
    });
  } catch (err) {
    ssh.dispose();
    if (changed) {
      throw new StalledError('HostKeyChanged', `ssh ${where}: host key changed (pinned ${changed.pinned}, offered ${changed.offered}); refusing to connect`, { cause: err });
    }
    throw err;
  }
  return { ssh, where, slots: new Slots(options.maxSessions ?? 8) };
}

async function runOnce(conn: Connection, command: string, timeoutMs: number): Promise<CommandResult | 'not-started'> {
  await conn.slots.take();
  let channel: ClientChannel | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    if (!conn.ssh.isConnected()) return 'not-started';
    const exec = conn.ssh.execCommand(command, { noTrim: true, onChannel: (c) => (channel = c) });
    exec.catch(() => undefined);
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        channel?.close();
        reject(new TransientError('SshCommandTimeout', `ssh ${conn.where}: command did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    let response;
    try {
      response = await Promise.race([exec, timedOut]);
    } catch (err) {
      // exec rejects only when the session could not be opened: the command never ran.
      if (channel === undefined && !(err instanceof TransientError)) return 'not-started';
      throw err;
    }
    if (response.code !== null) return { code: response.code, stdout: response.stdout, stderr: response.stderr };
    if (response.signal !== null) return { code: 128 + signalNumber(response.signal), stdout: response.stdout, stderr: response.stderr };
    throw new TransientError('SshUnreachable', `ssh ${conn.where}: connection lost while a command ran`);
  } finally {
    clearTimeout(timer);
    conn.slots.give();
  }
}

function signalNumber(signal: string): number {
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`) as keyof typeof constants.signals;
  return constants.signals[name] ?? 127;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A counting semaphore. */
class Slots {
  private waiting: (() => void)[] = [];

  constructor(private free: number) {}

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}
