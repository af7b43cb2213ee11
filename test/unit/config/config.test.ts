import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, readServeConfig, secretsOf, SETTINGS, type ServeFlags } from '../../../src/config.js';
import { runCli } from '../../../src/cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'clusterops-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes a file in the temp dir and returns its path. */
const file = (text: string, name = `f${n++}.yaml`) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const read = (flags: ServeFlags, env: NodeJS.ProcessEnv = {}, tty = false) => readServeConfig(flags, env, tty);
const error = (flags: ServeFlags, env: NodeJS.ProcessEnv = {}) => {
  try {
    read(flags, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration: precedence', () => {
  it('defaults when only the repository is given', () => {
    const c = read({ repo: 'https://git.example/clusters.git' });
    expect(c).toMatchObject({ repo: 'https://git.example/clusters.git', branch: 'main', host: '127.0.0.1', port: 3000, pollIntervalMs: 30_000, resyncIntervalMs: 600_000, requeueMs: 2000, orchestration: 'ssh', drainTimeoutMs: 600_000, concurrency: 8, statusCommits: true, logLevel: 'info', logFormat: 'json', credentials: {}, endpoints: {} });
    expect(c.dataDir).toBe(resolve('.clusterops'));
    expect(read({ repo: 'x' }, {}, true).logFormat).toBe('pretty');
    expect(read({ demo: true }).pollIntervalMs).toBe(5_000);
  });

  it('the file sets values; the environment wins over the file; flags win over both', () => {
    const path = file(['repo: https://from-file/r.git', 'pollInterval: 45', 'port: 4000', 'logLevel: warn', 'concurrency: 3', 'providers:', '  hetzner:', '    endpoint: http://127.0.0.1:9/hz'].join('\n'));
    const fromFile = read({ config: path });
    expect(fromFile).toMatchObject({ repo: 'https://from-file/r.git', pollIntervalMs: 45_000, port: 4000, logLevel: 'warn', concurrency: 3, endpoints: { hetzner: 'http://127.0.0.1:9/hz' }, file: path });

    const env = { CLUSTEROPS_CONFIG: path, CLUSTEROPS_POLL_INTERVAL: '12', PORT: '5000', CLUSTEROPS_HETZNER_ENDPOINT: 'http://127.0.0.1:10/hz' };
    expect(read({}, env)).toMatchObject({ repo: 'https://from-file/r.git', pollIntervalMs: 12_000, port: 5000, logLevel: 'warn', concurrency: 3, endpoints: { hetzner: 'http://127.0.0.1:10/hz' } });

    expect(read({ 'poll-interval': '7', port: '6000', 'log-level': 'debug' }, env)).toMatchObject({ pollIntervalMs: 7_000, port: 6000, logLevel: 'debug', concurrency: 3 });
    // --config wins over CLUSTEROPS_CONFIG.
    const other = file('repo: https://other/r.git\n');
    expect(read({ config: other }, { CLUSTEROPS_CONFIG: path }).repo).toBe('https://other/r.git');
  });

  it('--no-status-commits and CLUSTEROPS_STATUS_COMMITS=false turn status commits off; local mode never writes them', () => {
    expect(read({ repo: 'x', 'no-status-commits': true }).statusCommits).toBe(false);
    expect(read({ repo: 'x' }, { CLUSTEROPS_STATUS_COMMITS: 'false' }).statusCommits).toBe(false);
    expect(read({ config: file('repo: x\nstatusCommits: false\n') }, { CLUSTEROPS_STATUS_COMMITS: 'true' }).statusCommits).toBe(true);
    expect(read({ local: dir }).statusCommits).toBe(false);
  });

  it('every setting of the schema has an environment variable, and each one is read', () => {
    const values: Record<string, string> = { CLUSTEROPS_REPO: 'https://r/x.git', CLUSTEROPS_BRANCH: 'trunk', CLUSTEROPS_DATA_DIR: join(dir, 'data'), HOST: '0.0.0.0', CLUSTEROPS_WEBHOOK_SECRET: 'hook-secret', PORT: '8080', CLUSTEROPS_POLL_INTERVAL: '9', CLUSTEROPS_RESYNC_INTERVAL: '99', CLUSTEROPS_REQUEUE_MS: '300', CLUSTEROPS_CONCURRENCY: '2', CLUSTEROPS_ORCHESTRATION: 'vm-only', CLUSTEROPS_DRAIN_TIMEOUT: '30', CLUSTEROPS_UNHEALTHY_REPLACE_AFTER: '60', CLUSTEROPS_STATUS_COMMITS: 'false', CLUSTEROPS_STATUS_BRANCH: 'status', CLUSTEROPS_LOG_LEVEL: 'error', CLUSTEROPS_LOG_FORMAT: 'pretty', CLUSTEROPS_SIM_BOOT_MS: '5' };
    for (const s of SETTINGS) expect(s.env, `setting ${s.path.join('.')} has no environment variable`).toMatch(/^[A-Z][A-Z0-9_]+$/);
    expect(read({}, values)).toMatchObject({ repo: 'https://r/x.git', branch: 'trunk', dataDir: join(dir, 'data'), host: '0.0.0.0', port: 8080, pollIntervalMs: 9000, resyncIntervalMs: 99_000, requeueMs: 300, concurrency: 2, orchestration: 'vm-only', drainTimeoutMs: 30_000, unhealthyReplaceAfterMs: 60_000, statusCommits: false, statusBranch: 'status', logLevel: 'error', logFormat: 'pretty', simBootMs: 5 });
  });
});

describe('configuration: secrets only from the environment or files', () => {
  it('counts the credentials of a repository URL among the secrets redacted from logs', () => {
    const c = read({ repo: 'https://x-access-token:ghp_url%2Ftoken123@github.com/acme/fleet.git' }, {});
    expect(secretsOf(c)).toEqual(expect.arrayContaining(['ghp_url/token123', 'ghp_url%2Ftoken123']));
  });

  it('reads provider tokens from the environment or from files named by the file or by *_FILE variables', () => {
    const doFile = file('do-token-from-file\n', 'do.token');
    const keyId = file('AKIDFROMFILE', 'aws.id');
    const secret = file('aws-secret-from-file\n', 'aws.secret');
    const path = file(['repo: x', 'providers:', `  digitalocean: { tokenFile: ${doFile} }`, `  aws: { accessKeyIdFile: ${keyId}, secretAccessKeyFile: ${secret} }`].join('\n'));
    const c = read({ config: path }, { HCLOUD_TOKEN: 'hz-from-env' });
    expect(c.credentials).toEqual({ digitalocean: { token: 'do-token-from-file' }, hetzner: { token: 'hz-from-env' }, aws: { accessKeyId: 'AKIDFROMFILE', secretAccessKey: 'aws-secret-from-file' } });
    // The variable wins over the file.
    expect(read({ config: path }, { DIGITALOCEAN_TOKEN: 'do-from-env' }).credentials.digitalocean).toEqual({ token: 'do-from-env' });
    expect(read({ repo: 'x' }, { HCLOUD_TOKEN_FILE: doFile }).credentials.hetzner).toEqual({ token: 'do-token-from-file' });
    const hook = file('hook-secret\n', 'hook');
    expect(read({ repo: 'x' }, { CLUSTEROPS_WEBHOOK_SECRET_FILE: hook }).webhookSecret).toBe('hook-secret');
  });

  it('refuses a secret written into the config file, pointing at the right place, without echoing it', () => {
    const path = file(['repo: x', 'providers:', '  digitalocean:', '    token: dop_v1_verysecret'].join('\n'));
    const message = error({ config: path });
    expect(message).toBe(`${path}:4:5: providers.digitalocean.token: secrets never go in the config file; set DIGITALOCEAN_TOKEN or providers.digitalocean.tokenFile`);
    expect(message).not.toContain('verysecret');
    expect(error({ config: file('repo: x\ngithub:\n  repo: a/b\n  token: ghp_x\n') })).toContain('set GITHUB_TOKEN or github.tokenFile');
  });

  it('says which credential file cannot be read, never its content', () => {
    expect(error({ repo: 'x' }, { DIGITALOCEAN_TOKEN_FILE: join(dir, 'missing') })).toBe(`providers.digitalocean.tokenFile (DIGITALOCEAN_TOKEN_FILE): cannot read ${join(dir, 'missing')}: ENOENT`);
    const empty = file('  \n', 'empty.token');
    expect(error({ repo: 'x' }, { HCLOUD_TOKEN_FILE: empty })).toBe(`providers.hetzner.tokenFile (HCLOUD_TOKEN_FILE): ${empty} is empty`);
    expect(error({ repo: 'x' }, { AWS_ACCESS_KEY_ID: 'AKID' })).toMatch(/AWS needs both/);
    expect(error({ repo: 'x' }, { CLUSTEROPS_GITHUB_REPO: 'acme/clusters' })).toMatch(/set GITHUB_TOKEN or github.tokenFile/);
  });
});

describe('configuration: git settings from the environment', () => {
  it('passes on the variables that say how to reach the remote, never those that would redirect the clone', () => {
    const c = read({ repo: 'x' }, { GIT_SSH_COMMAND: 'ssh -i /keys/deploy', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.proxy', GIT_CONFIG_VALUE_0: 'http://proxy:3128', GIT_DIR: '/elsewhere', GIT_WORK_TREE: '/tmp', HOME: '/root' });
    expect(c.gitEnv).toEqual({ GIT_SSH_COMMAND: 'ssh -i /keys/deploy', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.proxy', GIT_CONFIG_VALUE_0: 'http://proxy:3128' });
  });
});

describe('configuration: bad values are refused at start-up, naming the setting and its source', () => {
  it.each([
    ['pollInterval: 0', ':1:15: pollInterval must be an integer from 1 to 86400 (seconds)'],
    ['port: http', ':1:7: port must be an integer from 0 to 65535'],
    ['orchestration: nomad', ':1:16: orchestration must be ssh or vm-only'],
    ['logLevel: loud', ':1:11: logLevel must be debug, info, warn, error or silent'],
    ['statusCommits: "no"', ':1:16: statusCommits must be true or false'],
    ['bogus: 1', ':1:1: unknown setting "bogus"'],
    ['providers:\n  linode: {}', ':2:3: unknown setting "providers.linode"'],
    ['github:\n  repo: not-a-slug', ':2:9: github.repo must be owner/name'],
    ['providers:\n  aws:\n    endpoint: ftp://x', ':3:15: providers.aws.endpoint must be an http(s) URL'],
    ['- just\n- a list', ':1:1: the file must be a mapping of settings'],
    ['repo: [unclosed', ':1:16: not valid YAML: Flow sequence'],
  ])('file %j', (text, expected) => {
    const path = file(text);
    expect(error({ config: path })).toContain(`${path}${expected}`);
  });

  it.each([
    [{ CLUSTEROPS_POLL_INTERVAL: 'abc' }, 'CLUSTEROPS_POLL_INTERVAL must be an integer from 1 to 86400 (seconds), not "abc"'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535, not "70000"'],
    [{ CLUSTEROPS_STATUS_COMMITS: 'yes' }, 'CLUSTEROPS_STATUS_COMMITS must be true or false, not "yes"'],
    [{ CLUSTEROPS_LOG_FORMAT: 'xml' }, 'CLUSTEROPS_LOG_FORMAT must be json or pretty, not "xml"'],
    [{ CLUSTEROPS_DIGITALOCEAN_ENDPOINT: 'api.example' }, 'CLUSTEROPS_DIGITALOCEAN_ENDPOINT must be an http(s) URL, not "api.example"'],
  ])('environment %j', (env, expected) => {
    expect(error({ repo: 'x' }, env)).toBe(expected);
  });

  it('flags and missing or conflicting sources', () => {
    expect(error({ repo: 'x', 'poll-interval': '1.5' })).toBe('--poll-interval must be an integer from 1 to 86400 (seconds), not "1.5"');
    expect(error({})).toMatch(/^say what to watch/);
    expect(error({ demo: true, repo: 'x' })).toBe('use only one of demo, repo and local');
    expect(error({ config: join(dir, 'nope.yaml') })).toBe(`cannot read config file ${join(dir, 'nope.yaml')}: ENOENT`);
  });
});

describe('clusterops config check', () => {
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await runCli(['config', 'check', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      process.env = saved;
    }
  };

  it('prints the effective configuration with secrets hidden and exits 0', async () => {
    const path = file('repo: https://git.example/c.git\npollInterval: 20\n');
    const r = await run(['--config', path, '--json'], { DIGITALOCEAN_TOKEN: 'dop_v1_thisisasecretvalue', CLUSTEROPS_WEBHOOK_SECRET: 'whsec-very-secret' });
    expect(r.code).toBe(0);
    const view = JSON.parse(r.out);
    expect(view).toMatchObject({ repo: 'https://git.example/c.git', pollIntervalMs: 20_000, webhookSecret: '(set)', providers: { digitalocean: { credentials: '(set)' }, hetzner: { credentials: '(not set)' } } });
    expect(r.out).not.toContain('thisisasecretvalue');
    expect(r.out).not.toContain('whsec-very-secret');
  });

  it('exits 1 with the reason on a bad configuration, starting nothing', async () => {
    const path = file('repo: x\nconcurrency: 0\n');
    const r = await run(['--config', path]);
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toBe(`clusterops config check: ${path}:2:14: concurrency must be an integer from 1 to 256`);
  });
});
