import { spawn } from 'node:child_process';
import type { SimpleGit, SimpleGitOptions } from 'simple-git';
import { GitSourceError, type Redactor } from './git-errors.js';

/** Builds a simple-git client; injectable so tests and embedders control process spawning. */
export type SimpleGitFactory = (options: Partial<SimpleGitOptions>) => SimpleGit;

type UnsafeFlag = keyof NonNullable<SimpleGitOptions['unsafe']>;

/**
 * simple-git 4 refuses these variables unless the matching `unsafe` flag is set, because they
 * make git run a program. Here they come from the operator's configuration (e.g. an SSH key
 * via GIT_SSH_COMMAND), never from request data, so naming them in `env` opts in.
 */
const UNSAFE_ENV: Record<string, UnsafeFlag> = {
  git_ssh: 'allowUnsafeSshCommand',
  git_ssh_command: 'allowUnsafeSshCommand',
  git_askpass: 'allowUnsafeAskPass',
  ssh_askpass: 'allowUnsafeAskPass',
  git_config: 'allowUnsafeConfigPaths',
  git_config_global: 'allowUnsafeConfigPaths',
  git_config_system: 'allowUnsafeConfigPaths',
  git_config_count: 'allowUnsafeConfigEnvCount',
  git_config_parameters: 'allowUnsafeConfigEnvCount',
  git_proxy_command: 'allowUnsafeGitProxy',
};

/** Ambient variables simple-git's environment guard rejects; only explicit `env` passes them. */
const GUARDED = new Set(['editor', 'pager', 'prefix', 'visual', 'ssh_askpass']);

export interface GitRunnerOptions {
  cwd: string;
  /** Operator-supplied variables (GIT_SSH_COMMAND, GIT_ASKPASS, GIT_CONFIG_*, …). */
  env: Record<string, string>;
  /** The environment everything else is inherited from (PATH, HOME, …). */
  baseEnv: NodeJS.ProcessEnv;
  simpleGit: SimpleGitFactory;
  redact: Redactor;
  /** Kills a git process that has been silent this long. */
  timeoutMs: number;
}

/** Runs git commands; every failure becomes a redacted `GitSourceError('GitFailed')`. */
export interface GitRunner {
  run(args: string[], extraEnv?: Record<string, string>): Promise<string>;
  /**
   * The first `maxBytes` of a command's output, killing it once they have arrived: reads a
   * bounded prefix of a blob too large to read whole. Fixed, internal arguments only.
   */
  readPrefix(args: string[], maxBytes: number): Promise<Buffer>;
  /** The same runner in another directory. */
  at(cwd: string): GitRunner;
}

export function createGitRunner(options: GitRunnerOptions): GitRunner {
  const inherited = inheritableEnv(options.baseEnv);
  return {
    async run(args, extraEnv = {}) {
      // Never prompt for a password from a daemon; the operator's env may still override it.
      const explicit = { GIT_TERMINAL_PROMPT: '0', ...options.env, ...extraEnv };
      const git = options
        .simpleGit({
          baseDir: options.cwd,
          allowEnvironment: Object.keys(explicit),
          unsafe: unsafeFlags(explicit),
          timeout: { block: options.timeoutMs },
        })
        .env({ ...inherited, ...explicit });
      try {
        return await git.raw(args);
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err);
        throw new GitSourceError('GitFailed', options.redact(`git ${args[0] ?? ''} failed: ${text.trim()}`));
      }
    },
    readPrefix(args, maxBytes) {
      const env = { ...inherited, GIT_TERMINAL_PROMPT: '0', ...options.env };
      return readPrefix(args, maxBytes, options.cwd, env).catch((err: unknown) => {
        throw new GitSourceError('GitFailed', options.redact(`git ${args[0] ?? ''} failed: ${String(err)}`));
      });
    },
    at(cwd) {
      return createGitRunner({ ...options, cwd });
    },
  };
}

function readPrefix(args: string[], maxBytes: number, cwd: string, env: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let length = 0;
    let done = false;
    const finish = () => {
      done = true;
      resolve(Buffer.concat(chunks).subarray(0, maxBytes));
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (done) return;
      chunks.push(chunk);
      length += chunk.length;
      if (length < maxBytes) return;
      finish();
      child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (done) return;
      if (code === 0) finish();
      else reject(new Error(`exit code ${String(code)}`));
    });
  });
}

function inheritableEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const k = key.toLowerCase();
    if (value === undefined || k.startsWith('git_') || GUARDED.has(k)) continue;
    out[key] = value;
  }
  return out;
}

function unsafeFlags(env: Record<string, string>): Partial<Record<UnsafeFlag, boolean>> {
  const flags: Partial<Record<UnsafeFlag, boolean>> = {};
  for (const [key, value] of Object.entries(env)) {
    const flag = UNSAFE_ENV[key.toLowerCase()];
    if (flag) flags[flag] = true;
    // A credential helper set by environment config: the operator's, or the one that carries the
    // repository URL's credentials (git-credentials.ts).
    if (/^git_config_key_\d+$/i.test(key) && /^credential\..*helper$/i.test(value.trim())) flags.allowUnsafeCredentialHelper = true;
  }
  return flags;
}
