import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, LineCounter, parseDocument } from 'yaml';
import schema from '../schemas/config.schema.json' with { type: 'json' };
import type { Provider } from './domain/manifest/types.js';
import type { LogLevel } from './logger.js';
import type { ProviderCredentials } from './providers/registry.js';
import { redactUrl, urlSecrets } from './sources/git-credentials.js';

/** Everything `clusterops serve` is configured with. */
export interface ServeConfig {
  /** Embedded default: a seeded local bare repository and the simulated cloud. */
  demo: boolean;
  /** Repository URL to clone and watch (any URL git understands). */
  repo?: string;
  /** A local working tree to watch instead of a remote (read-only: no commits). */
  local?: string;
  branch: string;
  dataDir: string;
  /** The owner id to use (DESIGN §3); unset: the store's, generated for a new store. */
  ownerId?: string;
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
  /** Bearer token `/metrics` requires (a secret: never logged or shown); absent: /metrics is open. */
  metricsToken?: string;
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
  /** The configuration file read, if any. */
  file?: string;
  /** The operator's git settings from the environment (GIT_SSH_COMMAND, GIT_ASKPASS, GIT_CONFIG_*), passed to every git command. */
  gitEnv: Record<string, string>;
}

/** Variables that configure how git reaches the remote; others (GIT_DIR, GIT_WORK_TREE …) would break the clone and are never passed. */
const GIT_ENV = /^(GIT_SSH|GIT_SSH_COMMAND|GIT_SSH_VARIANT|GIT_ASKPASS|GIT_TERMINAL_PROMPT|GIT_CONFIG_GLOBAL|GIT_CONFIG_SYSTEM|GIT_CONFIG_NOSYSTEM|GIT_CONFIG_COUNT|GIT_CONFIG_KEY_\d+|GIT_CONFIG_VALUE_\d+|GIT_CONFIG_PARAMETERS|GIT_PROXY_COMMAND|GIT_SSL_NO_VERIFY|GIT_SSL_CAINFO|GIT_HTTP_PROXY_AUTHMETHOD)$/;

function gitEnvFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => GIT_ENV.test(e[0]) && e[1] !== undefined));
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Flags as `serve` parses them (strings, as typed). */
export type ServeFlags = Partial<Record<'config' | 'repo' | 'local' | 'branch' | 'data-dir' | 'owner-id' | 'host' | 'port' | 'poll-interval' | 'status-branch' | 'log-level' | 'log-format' | 'sim-boot-ms' | 'orchestration', string>> & {
  demo?: boolean;
  'no-status-commits'?: boolean;
};

/** The settings as the file spells them (`schemas/config.schema.json`), after merging the sources. */
export interface RawSettings {
  repo?: string;
  local?: string;
  demo?: boolean;
  branch?: string;
  dataDir?: string;
  ownerId?: string;
  host?: string;
  port?: number;
  pollInterval?: number;
  resyncInterval?: number;
  requeueMs?: number;
  concurrency?: number;
  orchestration?: 'ssh' | 'vm-only';
  drainTimeout?: number;
  unhealthyReplaceAfter?: number;
  statusCommits?: boolean;
  statusBranch?: string;
  logLevel?: LogLevel;
  logFormat?: 'json' | 'pretty';
  webhookSecretFile?: string;
  metricsTokenFile?: string;
  simBootMs?: number;
  github?: { repo?: string; apiUrl?: string; pollInterval?: number; tokenFile?: string };
  providers?: {
    digitalocean?: { endpoint?: string; tokenFile?: string };
    hetzner?: { endpoint?: string; tokenFile?: string };
    aws?: { endpoint?: string; accessKeyIdFile?: string; secretAccessKeyFile?: string };
  };
}

/** One setting of the schema: where it lives in the file, its environment variable and flag. */
export interface SettingSpec {
  path: string[];
  env?: string;
  flag?: string;
  schema: LeafSchema;
}

interface LeafSchema {
  type?: string;
  description?: string;
  default?: unknown;
  errorMessage?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  minLength?: number;
  properties?: Record<string, LeafSchema>;
  'x-env'?: string;
  'x-flag'?: string;
}

/** Every leaf setting of `schemas/config.schema.json`, in schema order (docs and `config check` list them). */
export const SETTINGS: readonly SettingSpec[] = leaves(schema as unknown as LeafSchema, []);

function leaves(node: LeafSchema, path: string[]): SettingSpec[] {
  if (node.type === 'object' && node.properties) return Object.entries(node.properties).flatMap(([k, child]) => leaves(child, [...path, k]));
  return [{ path, ...(node['x-env'] ? { env: node['x-env'] } : {}), ...(node['x-flag'] ? { flag: node['x-flag'] } : {}), schema: node }];
}

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
ajv.addKeyword({ keyword: 'x-env', schemaType: 'string' });
ajv.addKeyword({ keyword: 'x-flag', schemaType: 'string' });
const validateFile = ajv.compile(schema);

/** Names that look like secrets; a file that holds one is refused with a pointer to the right place. */
const SECRET_KEY = /(^|\.)(token|secret|password|webhookSecret|metricsToken|secretAccessKey|accessKeyId|privateKey)$/i;

/**
 * Builds the configuration from, in order of precedence, flags, the environment, the config file
 * (`--config` / CLUSTEROPS_CONFIG) and the defaults. Throws `ConfigError` naming the setting and
 * where the bad value came from. Secrets come only from the environment or from files.
 */
export function readServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv, tty: boolean): ServeConfig {
  const file = flags.config ?? env.CLUSTEROPS_CONFIG;
  const layers = [file ? readConfigFile(file) : {}, fromEnv(env), fromFlags(flags)];
  const raw = layers.reduce<RawSettings>((acc, layer) => merge(acc, layer), {});
  return build(raw, env, tty, file ? resolve(file) : undefined);
}

/** Reads and validates a YAML configuration file; errors name the file, line and setting. */
export function readConfigFile(path: string): RawSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = lines.linePos(yamlError.pos[0]);
    throw new ConfigError(`${path}:${at.line}:${at.col}: not valid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const value = (doc.toJS() ?? {}) as unknown;
  const where = (keys: string[], atKey = false) => {
    const parent = keys.length <= 1 ? doc.contents : doc.getIn(keys.slice(0, -1), true);
    const pair = atKey && isMap(parent) ? parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === keys[keys.length - 1]) : undefined;
    const node = pair ? pair.key : keys.length === 0 ? doc.contents : doc.getIn(keys, true);
    const range = (node as { range?: [number, number] } | undefined)?.range;
    if (!range) return path;
    const at = lines.linePos(range[0]);
    return `${path}:${at.line}:${at.col}`;
  };
  if (!validateFile(value)) {
    const error = pickError(validateFile.errors ?? []);
    const keys = error.instancePath.split('/').filter(Boolean).map(unescapePointer);
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const full = [...keys, extra].join('.');
      if (SECRET_KEY.test(full)) throw new ConfigError(`${where([...keys, extra], true)}: ${full}: secrets never go in the config file; ${secretHint(full)}`);
      throw new ConfigError(`${where([...keys, extra], true)}: unknown setting "${full}"`);
    }
    const node = schemaAt(keys);
    throw new ConfigError(`${where(keys)}: ${keys.join('.') || 'the file'} ${node?.errorMessage ?? error.message ?? 'is not valid'}`);
  }
  if (!isMap(doc.contents) && doc.contents !== null) throw new ConfigError(`${path}: must be a mapping of settings`);
  return value as RawSettings;
}

function pickError(errors: ErrorObject[]): ErrorObject {
  // The deepest error says the most; ajv reports parents' type errors too.
  return [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!;
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function schemaAt(keys: string[]): LeafSchema | undefined {
  let node: LeafSchema | undefined = schema as unknown as LeafSchema;
  for (const k of keys) node = node?.properties?.[k];
  return node;
}

function secretHint(key: string): string {
  if (/digitalocean/i.test(key)) return 'set DIGITALOCEAN_TOKEN or providers.digitalocean.tokenFile';
  if (/hetzner/i.test(key)) return 'set HCLOUD_TOKEN or providers.hetzner.tokenFile';
  if (/aws/i.test(key)) return 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or providers.aws.accessKeyIdFile and secretAccessKeyFile';
  if (/github/i.test(key)) return 'set GITHUB_TOKEN or github.tokenFile';
  if (/webhook/i.test(key)) return 'set CLUSTEROPS_WEBHOOK_SECRET or webhookSecretFile';
  if (/metrics/i.test(key)) return 'set CLUSTEROPS_METRICS_TOKEN or metricsTokenFile';
  return 'use an environment variable or a *File setting';
}

/** Settings from environment variables (strings), checked one by one against their schema. */
function fromEnv(env: NodeJS.ProcessEnv): RawSettings {
  const out: RawSettings = {};
  for (const s of SETTINGS) {
    const text = s.env ? env[s.env] : undefined;
    if (text === undefined || text === '') continue;
    setIn(out, s.path, coerce(s, text, s.env!));
  }
  return out;
}

/** Settings from `serve` flags; they win over the environment and the file. */
function fromFlags(flags: ServeFlags): RawSettings {
  const out: RawSettings = {};
  for (const s of SETTINGS) {
    const value = s.flag ? (flags as Record<string, string | boolean | undefined>)[s.flag] : undefined;
    if (value === undefined || value === false) continue;
    setIn(out, s.path, typeof value === 'boolean' ? value : coerce(s, value, `--${s.flag}`));
  }
  if (flags['no-status-commits']) out.statusCommits = false;
  return out;
}

/** Turns a string into the setting's type and checks it; errors name `source` (the variable or flag). */
function coerce(s: SettingSpec, text: string, source: string): unknown {
  const sc = s.schema;
  const bad = () => new ConfigError(`${source} ${sc.errorMessage ?? 'is not valid'}, not "${text}"`);
  let value: unknown = text;
  if (sc.type === 'integer') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n)) throw bad();
    value = n;
  } else if (sc.type === 'boolean') {
    if (text !== 'true' && text !== 'false') throw bad();
    value = text === 'true';
  }
  if (!ajv.validate(sc, value)) throw bad();
  return value;
}

function setIn(target: object, path: string[], value: unknown): void {
  let node = target as Record<string, unknown>;
  for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
}

function merge<T extends object>(base: T, over: T): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' ? merge(prev, v as object) : v;
  }
  return out as T;
}

function build(raw: RawSettings, env: NodeJS.ProcessEnv, tty: boolean, file: string | undefined): ServeConfig {
  const demo = raw.demo === true;
  if (!demo && !raw.repo && !raw.local) throw new ConfigError('say what to watch: --repo URL (CLUSTEROPS_REPO, repo:), --local DIR (CLUSTEROPS_LOCAL, local:), or --demo');
  if ([demo, Boolean(raw.repo), Boolean(raw.local)].filter(Boolean).length > 1) throw new ConfigError('use only one of demo, repo and local');
  const webhookSecret = env.CLUSTEROPS_WEBHOOK_SECRET || secretFile(raw.webhookSecretFile, 'webhookSecretFile (CLUSTEROPS_WEBHOOK_SECRET_FILE)');
  const metricsToken = env.CLUSTEROPS_METRICS_TOKEN || secretFile(raw.metricsTokenFile, 'metricsTokenFile (CLUSTEROPS_METRICS_TOKEN_FILE)');
  const github = githubFrom(raw, env);
  const problem = webhookSecretProblem({ host: raw.host ?? '127.0.0.1', ...github, ...(webhookSecret ? { webhookSecret } : {}) });
  if (problem) throw new ConfigError(problem);
  return {
    demo,
    ...(raw.repo ? { repo: raw.repo } : {}),
    ...(raw.local ? { local: resolve(raw.local) } : {}),
    branch: raw.branch ?? 'main',
    dataDir: resolve(raw.dataDir ?? '.clusterops'),
    ...(raw.ownerId ? { ownerId: raw.ownerId } : {}),
    host: raw.host ?? '127.0.0.1',
    port: raw.port ?? 3000,
    pollIntervalMs: 1000 * (raw.pollInterval ?? (demo ? 5 : 30)),
    resyncIntervalMs: 1000 * (raw.resyncInterval ?? 600),
    requeueMs: raw.requeueMs ?? 2000,
    orchestration: raw.orchestration ?? 'ssh',
    drainTimeoutMs: 1000 * (raw.drainTimeout ?? 600),
    unhealthyReplaceAfterMs: 1000 * (raw.unhealthyReplaceAfter ?? 300),
    concurrency: raw.concurrency ?? 8,
    statusCommits: raw.statusCommits !== false && !raw.local,
    ...(raw.statusBranch ? { statusBranch: raw.statusBranch } : {}),
    ...(webhookSecret ? { webhookSecret } : {}),
    ...(metricsToken ? { metricsToken } : {}),
    credentials: credentialsFrom(raw, env),
    endpoints: endpointsFrom(raw),
    logLevel: raw.logLevel ?? 'info',
    logFormat: raw.logFormat ?? (tty ? 'pretty' : 'json'),
    ...(env.CLUSTEROPS_DEMO_TOKEN ? { demoToken: env.CLUSTEROPS_DEMO_TOKEN } : {}),
    ...github,
    simBootMs: raw.simBootMs ?? 3000,
    ...(file ? { file } : {}),
    gitEnv: gitEnvFrom(env),
  };
}

/**
 * Why this configuration may not start without a webhook secret, or null. `POST /hooks/git`
 * without one accepts anybody's deliveries: acceptable only for a daemon that nobody else can
 * reach (a loopback address) and that acts on no pull-request events (GitHub integration off).
 */
export function webhookSecretProblem(config: Pick<ServeConfig, 'host' | 'github' | 'webhookSecret'>): string | null {
  if (config.webhookSecret) return null;
  const why = config.github ? 'the GitHub integration (github.repo) is on' : !isLoopbackHost(config.host) ? `host ${config.host} is not a loopback address` : null;
  if (!why) return null;
  return `a webhook secret is required because ${why}: set CLUSTEROPS_WEBHOOK_SECRET or webhookSecretFile (CLUSTEROPS_WEBHOOK_SECRET_FILE), and the same secret in the GitHub webhook; without one, anybody who reaches POST /hooks/git could forge deliveries`;
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: addresses only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Reads a secret from a file named by a setting: trimmed, non-empty; errors never include the content. */
function secretFile(path: string | undefined, setting: string): string | undefined {
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  if (text === '') throw new ConfigError(`${setting}: ${path} is empty`);
  return text;
}

function githubFrom(raw: RawSettings, env: NodeJS.ProcessEnv): Pick<ServeConfig, 'github'> {
  const g = raw.github ?? {};
  if (!g.repo) return {};
  const token = env.GITHUB_TOKEN || secretFile(g.tokenFile, 'github.tokenFile (GITHUB_TOKEN_FILE)');
  if (!token) throw new ConfigError('github.repo (CLUSTEROPS_GITHUB_REPO) is set: set GITHUB_TOKEN or github.tokenFile too');
  return { github: { token, repo: g.repo, apiUrl: (g.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''), pollIntervalMs: 1000 * (g.pollInterval ?? 60) } };
}

function credentialsFrom(raw: RawSettings, env: NodeJS.ProcessEnv): ProviderCredentials {
  const p = raw.providers ?? {};
  const out: ProviderCredentials = {};
  const doToken = env.DIGITALOCEAN_TOKEN || secretFile(p.digitalocean?.tokenFile, 'providers.digitalocean.tokenFile (DIGITALOCEAN_TOKEN_FILE)');
  if (doToken) out.digitalocean = { token: doToken };
  const hToken = env.HCLOUD_TOKEN || secretFile(p.hetzner?.tokenFile, 'providers.hetzner.tokenFile (HCLOUD_TOKEN_FILE)');
  if (hToken) out.hetzner = { token: hToken };
  const keyId = env.AWS_ACCESS_KEY_ID || secretFile(p.aws?.accessKeyIdFile, 'providers.aws.accessKeyIdFile (AWS_ACCESS_KEY_ID_FILE)');
  const secret = env.AWS_SECRET_ACCESS_KEY || secretFile(p.aws?.secretAccessKeyFile, 'providers.aws.secretAccessKeyFile (AWS_SECRET_ACCESS_KEY_FILE)');
  if (keyId && secret) out.aws = { accessKeyId: keyId, secretAccessKey: secret };
  else if (keyId || secret) throw new ConfigError('AWS needs both an access key id and a secret access key (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the two files), or neither');
  return out;
}

function endpointsFrom(raw: RawSettings): Partial<Record<Provider, string>> {
  const out: Partial<Record<Provider, string>> = {};
  for (const p of ['digitalocean', 'hetzner', 'aws'] as const) {
    const endpoint = raw.providers?.[p]?.endpoint;
    if (endpoint) out[p] = endpoint;
  }
  return out;
}

/** Every secret in a configuration, for log redaction. */
export function secretsOf(config: ServeConfig): string[] {
  const c = config.credentials;
  const inUrl = config.repo ? urlSecrets(config.repo) : [];
  return [c.digitalocean?.token, c.hetzner?.token, c.aws?.secretAccessKey, config.webhookSecret, config.metricsToken, config.demoToken, config.github?.token, ...inUrl].filter((s): s is string => Boolean(s));
}

/** The configuration as `config check` prints it: every setting with its value and where it came from; secrets never shown. */
export function describeConfig(config: ServeConfig): Record<string, unknown> {
  const { credentials, endpoints, webhookSecret, metricsToken, demoToken, github, gitEnv, ...rest } = config;
  const set = (v: unknown) => (v ? '(set)' : '(not set)');
  return {
    ...rest,
    // Credentials in the URL (`https://user:token@host/…`) are shown as ***.
    ...(rest.repo ? { repo: redactUrl(rest.repo) } : {}),
    webhookSecret: set(webhookSecret),
    metricsToken: set(metricsToken),
    gitEnv: Object.keys(gitEnv).length > 0 ? Object.keys(gitEnv) : '(none)',
    ...(config.demo ? { demoToken: demoToken ? '(set)' : '(generated on first start)' } : {}),
    github: github ? { repo: github.repo, apiUrl: github.apiUrl, pollIntervalMs: github.pollIntervalMs, token: '(set)' } : '(off)',
    providers: Object.fromEntries((['digitalocean', 'hetzner', 'aws'] as const).map((p) => [p, { credentials: set(credentials[p]), endpoint: endpoints[p] ?? '(provider default)' }])),
  };
}
