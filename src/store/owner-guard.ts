import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OWNER_ID_PATTERN } from './store-file.js';

const run = promisify(execFile);

/**
 * The branch's status files name an owner other than this instance's, and its store tracks no
 * cluster: starting would create the fleet again under a second owner and never touch the first.
 */
export class OwnerConflictError extends Error {
  override readonly name = 'OwnerConflictError';
}

/**
 * Owner ids named by `status/*.yaml` (`owner: co-…`) at `refs/remotes/origin/<branch>` of the
 * clone in `workDir`, each with the files naming it. Read from Git objects, one process for every
 * file; a branch not fetched (or not pushed yet) names none.
 */
export async function statusFileOwners(workDir: string, branch: string): Promise<Map<string, string[]>> {
  const ref = `refs/remotes/origin/${branch}`;
  let out: string;
  try {
    // A local read: none of the operator's GIT_* settings (GIT_DIR would point it elsewhere).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
    out = (await run('git', ['-C', workDir, 'grep', '-I', '--no-color', '-E', '^owner: ', ref, '--', 'status/'], { maxBuffer: 64 * 1024 * 1024, env })).stdout;
  } catch (err) {
    // 1: no file matches; 128: the ref does not exist (an empty remote, a branch not pushed yet).
    const code = (err as { code?: unknown }).code;
    if (code === 1 || code === 128) return new Map();
    throw err;
  }
  const owners = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const match = /^[^:]+:(status\/[^:]+\.yaml):owner: (\S+)\s*$/.exec(line);
    if (!match || !OWNER_ID_PATTERN.test(match[2]!)) continue;
    owners.set(match[2]!, [...(owners.get(match[2]!) ?? []), match[1]!]);
  }
  return owners;
}

/** What the check needs to know about this instance. */
export interface OwnerCheck {
  instanceId: string;
  /** The store tracks at least one cluster (then it, not Git, says what this instance owns). */
  tracksClusters: boolean;
  /** The owner id was set (ownerId / CLUSTEROPS_OWNER_ID / --owner-id), not generated. */
  configured: boolean;
  branch: string;
}

/** Throws OwnerConflictError when a store that tracks nothing would start a second fleet. */
export function assertSameOwner(check: OwnerCheck, owners: ReadonlyMap<string, readonly string[]>): void {
  if (check.tracksClusters) return;
  const others = [...owners].filter(([owner]) => owner !== check.instanceId);
  if (others.length === 0) return;
  const named = others.map(([owner, files]) => `${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''} name owner ${owner}`).join('; ');
  const [first] = others[0]!;
  const ours = check.configured ? `the configured owner id ${check.instanceId} is not theirs` : `this data directory's store is empty and would create them all again as ${check.instanceId}`;
  throw new OwnerConflictError(
    `the status files on branch ${check.branch} (${named}): their VMs belong to another clusterops, and ${ours}, leaving the old VMs running. ` +
      `If this instance replaces the one whose data directory was lost, adopt its VMs: start with --owner-id ${first} (CLUSTEROPS_OWNER_ID, or ownerId: ${first} in the config file), ` +
      `or restore state.json from a backup. If another clusterops still runs on this repository, stop: two would fight over the same manifests.`,
  );
}
