import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { simpleGit } from 'simple-git';
import { createGitSource, type GitSource, type GitSourceOptions, type SimpleGitFactory } from '../../../src/sources/git-source.js';

const run = promisify(execFile);

/**
 * Git as a test runs it: no global or system config (the machine may have no identity, and
 * the tests must not depend on one), identity passed with -c, never written anywhere.
 */
export const ISOLATED_ENV = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const IDENTITY = ['-c', 'user.name=Human Seed', '-c', 'user.email=human@example.test', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return { ...env, ...ISOLATED_ENV };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', [...IDENTITY, ...args], { cwd, env: cleanEnv(), encoding: 'utf8' })).stdout;
}

/** A bare remote, a "human" seeding clone of it, and sources with their own work dirs. */
export interface GitFixture {
  root: string;
  bare: string;
  seed: string;
  /** Writes (or with null deletes) files in the seed clone, commits and pushes; returns the sha. */
  push(files: Record<string, string | null>, message: string): string;
  /** `git <args>` against the bare remote. */
  remote(...args: string[]): string;
  source(overrides?: Partial<GitSourceOptions>): GitSource;
  cleanup(): void;
}

export function createGitFixture(): GitFixture {
  const root = mkdtempSync(join(tmpdir(), 'clusterops-git-'));
  const bare = join(root, 'remote.git');
  const seed = join(root, 'seed');
  git(root, 'init', '--quiet', '--bare', '-b', 'main', bare);
  git(root, 'clone', '--quiet', bare, seed);
  git(seed, 'checkout', '--quiet', '-B', 'main');
  let sources = 0;
  return {
    root,
    bare,
    seed,
    push(files, message) {
      writeFiles(seed, files);
      git(seed, 'add', '-A');
      git(seed, 'commit', '--quiet', '-m', message);
      git(seed, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      return git(seed, 'rev-parse', 'HEAD').trim();
    },
    remote: (...args) => git(bare, ...args),
    source: (overrides = {}) =>
      createGitSource({ url: bare, branch: 'main', workDir: join(root, `work-${++sources}`), env: ISOLATED_ENV, author: { name: 'clusterops bot', email: 'bot@clusterops.test' }, ...overrides }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function writeFiles(dir: string, files: Record<string, string | null>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    if (content === null) {
      rmSync(full, { force: true });
      continue;
    }
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

export const manifest = (name: string, count = 1): string =>
  `name: ${name}\nprovider: hetzner\nregion: fsn1\norchestrator: swarm\nnodes:\n  - role: manager\n    plan: small\n    count: ${count}\n`;

/** simple-git as the source uses it, recording the argv of every git command it runs into `argv`. */
export function recordingGit(argv: string[][]): SimpleGitFactory {
  return (options) => {
    const g = simpleGit(options);
    const raw = g.raw.bind(g) as (args: string[]) => Promise<string>;
    (g as unknown as { raw: (args: string[]) => Promise<string> }).raw = (args: string[]) => {
      argv.push([...args]);
      return raw(args);
    };
    return g;
  };
}
