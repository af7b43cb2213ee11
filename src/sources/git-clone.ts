import { readdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ensurePrivateDir } from '../store/private-dir.js';
import { GitSourceError, type Redactor } from './git-errors.js';
import type { GitRunner } from './git-runner.js';

type WorkDirState = 'absent' | 'empty' | 'clone' | 'other';

/**
 * Makes `workDir` a clone of `url`: clones when it is absent or empty, reuses an existing
 * clone whose origin is the same repository (refreshing the URL, e.g. one an older version
 * stored with credentials in it), and refuses anything else with `OriginMismatch` /
 * `NotAClone`. `workDir` is made (or tightened to) mode 0700. Returns what it did.
 */
export async function ensureClone(git: GitRunner, url: string, workDir: string, redact: Redactor): Promise<'cloned' | 'reused'> {
  const state = await inspectWorkDir(workDir);
  if (state === 'other') {
    throw new GitSourceError('NotAClone', `${workDir} exists and is not a Git clone; empty it or choose another workDir`);
  }
  // Created 0700 before git writes anything into it, so no file is ever readable by others.
  await ensurePrivateDir(workDir);
  if (state === 'absent' || state === 'empty') {
    await git.at(dirname(workDir)).run(['clone', '--quiet', '--no-checkout', '--origin', 'origin', '--', url, workDir]);
    return 'cloned';
  }
  const inClone = git.at(workDir);
  const origin = (await inClone.run(['config', '--get', 'remote.origin.url']).catch(() => '')).trim();
  if (!sameRepository(origin, url)) {
    const was = origin === '' ? 'has no origin remote' : `is a clone of ${redact(origin)}`;
    throw new GitSourceError('OriginMismatch', `${workDir} ${was}, not of ${redact(url)}; remove it or choose another workDir`);
  }
  if (origin !== url) {
    await inClone.run(['remote', 'set-url', 'origin', url]);
    // FETCH_HEAD quotes the URL of the last fetch, credentials and all; the next fetch rewrites it.
    if (redact(origin) !== origin) await rm(join(workDir, '.git', 'FETCH_HEAD'), { force: true });
  }
  return 'reused';
}

async function inspectWorkDir(workDir: string): Promise<WorkDirState> {
  let names: string[];
  try {
    names = await readdir(workDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'ENOTDIR') return 'other';
    throw err;
  }
  if (names.length === 0) return 'empty';
  return names.includes('.git') ? 'clone' : 'other';
}

/**
 * Whether two remote URLs name the same repository: credentials, trailing slashes and (for
 * hosted URLs) a `.git` suffix do not matter; local paths compare as absolute paths.
 */
export function sameRepository(a: string, b: string): boolean {
  return a !== '' && normaliseUrl(a) === normaliseUrl(b);
}

function normaliseUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (isLocalPath(trimmed)) return resolve(trimmed);
  return trimmed
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]+@/i, '$1')
    .replace(/\.git$/, '');
}

/** Not `scheme://…` and not scp-like `host:path` (a colon before the first slash). */
function isLocalPath(url: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return false;
  if (isAbsolute(url) || url.startsWith('.')) return true;
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  return colon === -1 || (slash !== -1 && slash < colon);
}
