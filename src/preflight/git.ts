import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { GitRunner } from '../sources/git-runner.js';
import { memo } from './context.js';
import { check, type CheckSuite } from './types.js';

/** The tracked branch of the configured remote, and a scratch directory to clone it into. */
export interface GitContext {
  /** The URL without credentials (those reach git through its environment, as for `serve`). */
  url: string;
  displayUrl: string;
  branch: string;
  /** A runner in an empty scratch directory, with the operator's git environment and the URL's credentials. */
  git: GitRunner;
  scratch: string;
  /** A shallow clone of the branch in `scratch/repo`: its head, or why it failed. Shared with the manifest reader. */
  clone(): Promise<{ head: string; git: GitRunner } | { error: string }>;
}

const SUBJECT = 'git';

export function gitSuite(target: Omit<GitContext, 'clone'>): CheckSuite<GitContext> {
  const dir = join(target.scratch, 'repo');
  const context: GitContext = {
    ...target,
    clone: memo(async () => {
      try {
        await target.git.run(['clone', '--quiet', '--depth', '1', '--single-branch', '--branch', target.branch, '--no-checkout', '--', target.url, dir]);
        const inClone = target.git.at(dir);
        return { head: (await inClone.run(['rev-parse', 'HEAD'])).trim(), git: inClone };
      } catch (err) {
        return { error: (err as Error).message };
      }
    }),
  };
  return { subject: SUBJECT, context, gate: readCheck, checks: [writeCheck] };
}

/** `git ls-remote` of the branch, then a shallow clone of it (what the daemon's first poll does). */
const readCheck = check<GitContext>(SUBJECT, 'read', async (ctx, r) => {
  const ref = `refs/heads/${ctx.branch}`;
  let listed: string;
  try {
    listed = await ctx.git.run(['ls-remote', '--', ctx.url, ref]);
  } catch (err) {
    return [r.fail(`cannot reach ${ctx.displayUrl}: ${oneLine((err as Error).message)}`)];
  }
  const head = listed.split('\n').find((l) => l.endsWith(`\t${ref}`))?.split('\t')[0];
  if (!head) return [r.fail(`${ctx.displayUrl} has no branch ${ctx.branch}`)];
  const clone = await ctx.clone();
  if ('error' in clone) return [r.fail(`cannot fetch branch ${ctx.branch} of ${ctx.displayUrl}: ${oneLine(clone.error)}`)];
  return [r.pass(`${ctx.displayUrl} is reachable; branch ${ctx.branch} is at ${head.slice(0, 7)}`)];
});

/**
 * `git push --dry-run` of the branch onto itself: git authenticates to the remote's receive-pack
 * (where read-only deploy keys and tokens are refused) and sends nothing. A local repository is
 * also checked for write access to its objects and refs, which a dry run does not touch.
 */
const writeCheck = check<GitContext>(SUBJECT, 'write', async (ctx, r) => {
  const clone = await ctx.clone();
  if ('error' in clone) return [r.skip('not checked: the branch could not be fetched')];
  try {
    await clone.git.run(['push', '--dry-run', '--porcelain', 'origin', `${clone.head}:refs/heads/${ctx.branch}`]);
  } catch (err) {
    return [r.fail(`cannot push to ${ctx.displayUrl}: ${oneLine((err as Error).message)} (clusterops commits ids and status, and the API's writes, to branch ${ctx.branch})`)];
  }
  const local = localPath(ctx.url);
  if (local) {
    const denied = await firstDenied([join(local, 'objects'), join(local, 'refs', 'heads')]);
    if (denied) return [r.fail(`cannot write to ${denied}: pushes to ${ctx.displayUrl} would fail`)];
  }
  return [r.pass(`may push to branch ${ctx.branch} (git push --dry-run)`)];
});

async function firstDenied(paths: string[]): Promise<string | undefined> {
  for (const p of paths) {
    try {
      await access(p, constants.W_OK);
    } catch {
      return p;
    }
  }
  return undefined;
}

/** The directory of a local remote (a path or `file://`), else undefined. */
function localPath(url: string): string | undefined {
  if (url.startsWith('file://')) return new URL(url).pathname;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+:/.test(url)) return undefined;
  return isAbsolute(url) ? url : resolve(url);
}

/** Git's message without its line breaks and hints, for one report line. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('hint:'))
    .join(' ');
}
