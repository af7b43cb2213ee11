import { resolve } from 'node:path';
import type { Provider } from './domain/manifest/types.js';
import type { LogLevel } from './logger.js';
import type { ProviderCredentials } from './providers/registry.js';

/** Everything `clusterops serve` is configured with (flags win over environment). */
export interface ServeConfig {
  /** Embedded default: a seeded local bare repository and the simulated cloud. */
  demo: boolean;
  /** Repository URL to clone and watch (any URL git understands). */
  repo?: string;
  /** A local working tree to watch instead of a remote (read-only: no commits). */
  local?: string;
  branch: string;
  dataDir: string;
  host: string;
  port: number;
  pollIntervalMs: number;
  resyncIntervalMs: number;
  requeueMs: number;
  /** `ssh`: join nodes to Swarm / k3s over SSH; `vm-only`: nodes are VMs, nothing is joined. */
  orchestration: 'ssh' | 'vm-only';
  /** How long a drain may take before the cluster reports it as blocked. */
  drainTimeoutMs: number;
  /** A node not ready in its orchestrator for this long is replaced. */
  unhealthyReplaceAfterMs: number;
  concurrency: number;
  statusCommits: boolean;
  statusBranch?: string;
  webhookSecret?: string;
  credentials: ProviderCredentials;
  endpoints: Partial<Record<Provider, string>>;
  logLevel: LogLevel;
  logFormat: 'json' | 'pretty';
  /** Demo only: simulated VM boot time. */
  simBootMs: number;
  /** Pull-request plans and commit statuses on GitHub, when configured. */
  github?: { token: string; repo: string; apiUrl: string; pollIntervalMs: number };
  /** Demo only: the demo admin's API token (CLUSTEROPS_DEMO_TOKEN); random when absent. */
  demoToken?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Flags as `serve` parses them (strings, as typed). */
export type ServeFlags = Partial<Record<'repo' | 'local' | 'branch' | 'data-dir' | 'host' | 'port' | 'poll-interval' | 'status-branch' | 'log-level' | 'log-format' | 'sim-boot-ms' | 'orchestration', string>> & {
  demo?: boolean;
  'no-status-commits'?: boolean;
};

/** Builds the configuration; throws `ConfigError` naming the bad setting. Secrets come only from the environment. */
export function readServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv, tty: boolean): ServeConfig {
  const pick = (flag: keyof ServeFlags, name: string) => (flags[flag] as string | undefined) ?? env[name];
  const demo = flags.demo === true || env.CLUSTEROPS_DEMO === 'true';
  const repo = pick('repo', 'CLUSTEROPS_REPO');
  const local = pick('local', 'CLUSTEROPS_LOCAL');
  if (!demo && !repo && !local) throw new ConfigError('say what to watch: --repo URL (CLUSTEROPS_REPO), --local DIR (CLUSTEROPS_LOCAL), or --demo');
  if ([demo, Boolean(repo), Boolean(local)].filter(Boolean).length > 1) throw new ConfigError('use only one of --demo, --repo and --local');
  const statusEnv = env.CLUSTEROPS_STATUS_COMMITS;
  if (statusEnv !== undefined && statusEnv !== 'true' && statusEnv !== 'false') throw new ConfigError(`CLUSTEROPS_STATUS_COMMITS must be true or false, not "${statusEnv}"`);
  const logLevel = pick('log-level', 'CLUSTEROPS_LOG_LEVEL') ?? 'info';
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) throw new ConfigError(`log level must be debug, info, warn, error or silent, not "${logLevel}"`);
  const logFormat = pick('log-format', 'CLUSTEROPS_LOG_FORMAT') ?? (tty ? 'pretty' : 'json');
  if (logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError(`log format must be json or pretty, not "${logFormat}"`);
  return {
    demo,
    ...(repo ? { repo } : {}),
    ...(local ? { local: resolve(local) } : {}),
    branch: pick('branch', 'CLUSTEROPS_BRANCH') ?? 'main',
    dataDir: resolve(pick('data-dir', 'CLUSTEROPS_DATA_DIR') ?? '.clusterops'),
    host: pick('host', 'HOST') ?? '127.0.0.1',
    port: int('port', pick('port', 'PORT') ?? '3000', 0, 65535),
    pollIntervalMs: 1000 * int('poll interval (seconds)', pick('poll-interval', 'CLUSTEROPS_POLL_INTERVAL') ?? (demo ? '5' : '30'), 1, 86_400),
    resyncIntervalMs: 1000 * int('CLUSTEROPS_RESYNC_INTERVAL (seconds)', env.CLUSTEROPS_RESYNC_INTERVAL ?? '600', 10, 86_400),
    requeueMs: int('CLUSTEROPS_REQUEUE_MS', env.CLUSTEROPS_REQUEUE_MS ?? '2000', 10, 600_000),
    orchestration: orchestrationFrom(pick('orchestration', 'CLUSTEROPS_ORCHESTRATION') ?? 'ssh'),
    drainTimeoutMs: 1000 * int('CLUSTEROPS_DRAIN_TIMEOUT (seconds)', env.CLUSTEROPS_DRAIN_TIMEOUT ?? '600', 1, 86_400),
    unhealthyReplaceAfterMs: 1000 * int('CLUSTEROPS_UNHEALTHY_REPLACE_AFTER (seconds)', env.CLUSTEROPS_UNHEALTHY_REPLACE_AFTER ?? '300', 10, 86_400),
    concurrency: int('CLUSTEROPS_CONCURRENCY', env.CLUSTEROPS_CONCURRENCY ?? '8', 1, 256),
    statusCommits: !flags['no-status-commits'] && statusEnv !== 'false' && !local,
    ...(pick('status-branch', 'CLUSTEROPS_STATUS_BRANCH') ? { statusBranch: pick('status-branch', 'CLUSTEROPS_STATUS_BRANCH')! } : {}),
    ...(env.CLUSTEROPS_WEBHOOK_SECRET ? { webhookSecret: env.CLUSTEROPS_WEBHOOK_SECRET } : {}),
    credentials: credentialsFrom(env),
    endpoints: endpointsFrom(env),
    logLevel: logLevel as LogLevel,
    logFormat,
    ...(env.CLUSTEROPS_DEMO_TOKEN ? { demoToken: env.CLUSTEROPS_DEMO_TOKEN } : {}),
    ...githubFrom(env),
    simBootMs: int('--sim-boot-ms', pick('sim-boot-ms', 'CLUSTEROPS_SIM_BOOT_MS') ?? '3000', 0, 600_000),
  };
}

function githubFrom(env: NodeJS.ProcessEnv): Pick<ServeConfig, 'github'> {
  const repo = env.CLUSTEROPS_GITHUB_REPO;
  if (!repo) return {};
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) throw new ConfigError(`CLUSTEROPS_GITHUB_REPO must be owner/name, not "${repo}"`);
  if (!env.GITHUB_TOKEN) throw new ConfigError('CLUSTEROPS_GITHUB_REPO is set: set GITHUB_TOKEN too');
  const apiUrl = env.CLUSTEROPS_GITHUB_API_URL ?? 'https://api.github.com';
  if (!/^https?:\/\//.test(apiUrl)) throw new ConfigError('CLUSTEROPS_GITHUB_API_URL must be an http(s) URL');
  const pollIntervalMs = 1000 * int('CLUSTEROPS_PR_POLL_INTERVAL (seconds)', env.CLUSTEROPS_PR_POLL_INTERVAL ?? '60', 0, 86_400);
  return { github: { token: env.GITHUB_TOKEN, repo, apiUrl: apiUrl.replace(/\/+$/, ''), pollIntervalMs } };
}

function orchestrationFrom(value: string): 'ssh' | 'vm-only' {
  if (value !== 'ssh' && value !== 'vm-only') throw new ConfigError(`orchestration must be ssh or vm-only, not "${value}"`);
  return value;
}

function int(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  return n;
}

function credentialsFrom(env: NodeJS.ProcessEnv): ProviderCredentials {
  const out: ProviderCredentials = {};
  if (env.DIGITALOCEAN_TOKEN) out.digitalocean = { token: env.DIGITALOCEAN_TOKEN };
  if (env.HCLOUD_TOKEN) out.hetzner = { token: env.HCLOUD_TOKEN };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) out.aws = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  else if (env.AWS_ACCESS_KEY_ID || env.AWS_SECRET_ACCESS_KEY) throw new ConfigError('set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither');
  return out;
}

function endpointsFrom(env: NodeJS.ProcessEnv): Partial<Record<Provider, string>> {
  const out: Partial<Record<Provider, string>> = {};
  const read = (p: Provider, name: string) => {
    const v = env[name];
    if (!v) return;
    if (!/^https?:\/\//.test(v)) throw new ConfigError(`${name} must be an http(s) URL`);
    out[p] = v;
  };
  read('digitalocean', 'CLUSTEROPS_DIGITALOCEAN_ENDPOINT');
  read('hetzner', 'CLUSTEROPS_HETZNER_ENDPOINT');
  read('aws', 'CLUSTEROPS_AWS_ENDPOINT');
  return out;
}

/** Every secret in a configuration, for log redaction. */
export function secretsOf(config: ServeConfig): string[] {
  const c = config.credentials;
  return [c.digitalocean?.token, c.hetzner?.token, c.aws?.secretAccessKey, config.webhookSecret, config.demoToken, config.github?.token].filter((s): s is string => Boolean(s));
}
