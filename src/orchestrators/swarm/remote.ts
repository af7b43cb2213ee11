import { isIP } from 'node:net';
import type { ActualNode } from '../../domain/plan/types.js';
import type { Logger } from '../../logger.js';
import { StalledError, TransientError, WaitingError } from '../../reconcile/errors.js';
import type { CommandResult, SshRunner, SshTarget } from '../ssh/types.js';
import type { OrchestratorCluster } from '../types.js';

/**
 * Running commands on nodes for both orchestrator adapters (swarm and k3s): addressing,
 * exit-code checks, redaction, and "through any running manager" with failover.
 */
export interface RemoteConfig {
  ssh: SshRunner;
  port: number;
  username: string;
  /** Per-command timeout unless a call gives its own. */
  timeoutMs: number;
  /** Requeue delay when there is no running manager or no address yet. */
  requeueMs: number;
  logger?: Logger;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Secrets in the command (join tokens): kept out of logs and out of any error message. */
  redact?: readonly string[];
}

/** Which managers `viaManager` may use: `avoid` only as a last resort, `exclude` never. */
export interface ManagerChoice {
  avoid?: string;
  exclude?: string;
}

export interface Remote {
  /** The node's checked IP address (`WaitingError` while it has none). */
  address(node: ActualNode): string;
  /** Runs a command; resolves with its exit code. Throws `TransientError('SshUnreachable')` when the node cannot be reached. */
  run(node: ActualNode, command: string, options?: RunOptions): Promise<CommandResult>;
  /** Runs a command that must succeed; a non-zero exit becomes `TransientError(reason)` with redacted stderr. Resolves with stdout. */
  check(node: ActualNode, command: string, failure: { reason: string; what: string }, options?: RunOptions): Promise<string>;
  /** Like `run`, but resolves `undefined` when the node cannot be reached or the command hangs past its timeout. */
  tryRun(node: ActualNode, command: string, options?: RunOptions): Promise<CommandResult | undefined>;
  /**
   * Runs `fn` with the first running manager that answers. Managers that are unreachable or
   * whose command fails with a `TransientError` are skipped; `WaitingError` when the cluster has
   * no running manager, `TransientError('NoManagerReachable')` when none answered.
   */
  viaManager<T>(cluster: OrchestratorCluster, what: string, fn: (manager: ActualNode) => Promise<T>, choice?: ManagerChoice): Promise<T>;
}

export function createRemote(config: RemoteConfig): Remote {
  const target = (node: ActualNode): SshTarget => ({ host: addressOf(node, config.requeueMs), port: config.port, username: config.username, ...(node.providerId ? { vmId: node.providerId } : {}) });
  const run = async (node: ActualNode, command: string, options: RunOptions = {}): Promise<CommandResult> => {
    const redact = [...(options.redact ?? [])];
    try {
      return await config.ssh.run(target(node), command, { timeoutMs: options.timeoutMs ?? config.timeoutMs, redact });
    } catch (err) {
      // The runner should never quote the command, but a token must not escape even if it does.
      if (err instanceof Error && redact.length > 0) {
        err.message = scrub(err.message, redact);
        if (err.stack) err.stack = scrub(err.stack, redact);
      }
      throw err;
    }
  };

  return {
    address: (node) => addressOf(node, config.requeueMs),
    run,
    async check(node, command, failure, options = {}) {
      const result = await run(node, command, options);
      if (result.code !== 0) throw commandFailed(failure.reason, `${failure.what} on ${node.id}`, result, options.redact);
      return result.stdout;
    },
    async tryRun(node, command, options) {
      try {
        return await run(node, command, options);
      } catch (err) {
        // Best-effort work on the node itself: a dead or hung host is skipped, not waited for.
        if (isUnreachable(err) || (err instanceof TransientError && err.reason === 'SshCommandTimeout')) return undefined;
        throw err;
      }
    },
    async viaManager(cluster, what, fn, choice = {}) {
      const last = (m: ActualNode) => (m.id === choice.avoid ? 1 : 0);
      const candidates = cluster.managers.filter((m) => m.id !== choice.exclude && m.ip).sort((a, b) => last(a) - last(b));
      if (candidates.length === 0) {
        throw new WaitingError('WaitingForManager', `cluster ${cluster.clusterId} has no running manager to ${what}`, config.requeueMs);
      }
      let failure: TransientError | undefined;
      for (const manager of candidates) {
        try {
          return await fn(manager);
        } catch (err) {
          // Waiting/Stalled (a changed host key, a refused removal) are answers, not outages.
          if (!(err instanceof TransientError)) throw err;
          config.logger?.debug({ nodeId: manager.id, reason: err.reason }, `manager could not ${what}; trying the next one`);
          if (!failure || isUnreachable(failure)) failure = err;
        }
      }
      if (failure && !isUnreachable(failure)) throw failure;
      const tried = candidates.map((m) => m.id).join(', ');
      throw new TransientError('NoManagerReachable', `no manager of cluster ${cluster.clusterId} could be reached to ${what} (tried ${tried})`, { cause: failure });
    },
  };
}

export function isUnreachable(err: unknown): boolean {
  return err instanceof TransientError && err.reason === 'SshUnreachable';
}

/** The node's address, checked before it goes into a command (commands.ts quotes it as well). */
export function addressOf(node: ActualNode, requeueMs: number): string {
  if (!node.ip) throw new WaitingError('WaitingForAddress', `${node.id} has no IP address yet`, requeueMs);
  if (isIP(node.ip) === 0) throw new StalledError('InvalidAddress', `${node.id} has an invalid IP address "${node.ip}"`);
  return node.ip;
}

/** Token shapes that must never leave the adapter, even when a command echoes them unasked. */
const TOKEN_PATTERNS = [/SWMTKN-1-[A-Za-z0-9-]+/g, /K10[0-9a-f]{16,}::[^\s'"]+/g];

/** Replaces every secret (and anything shaped like a join token) with `[redacted]`. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  const known = secrets.filter((s) => s.length > 0).reduce((t, s) => t.split(s).join('[redacted]'), text);
  return TOKEN_PATTERNS.reduce((t, p) => t.replace(p, '[redacted]'), known);
}

/** What a failed command said (stderr, else stdout), on one line, redacted and bounded. */
export function excerpt(result: CommandResult, secrets: readonly string[] = []): string {
  const text = (result.stderr.trim() || result.stdout.trim() || `exit code ${result.code}`).replace(/\s+/g, ' ');
  const clean = scrub(text, secrets);
  return clean.length > 300 ? `${clean.slice(0, 297)}...` : clean;
}

export function commandFailed(reason: string, what: string, result: CommandResult, secrets: readonly string[] = []): TransientError {
  return new TransientError(reason, `${what} failed (exit ${result.code}): ${excerpt(result, secrets)}`);
}

/** Ids and tokens read from command output go back into commands: accept only their known alphabet. */
export function assertSafe(value: string, what: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9:._\-]*$/.test(value)) return value;
  // Never echo the value: it may be a token.
  throw new TransientError('UnexpectedOutput', `${what} is not in the expected form`);
}
