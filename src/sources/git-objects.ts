import type { RepoEntry } from '../domain/manifest/repository.js';
import { GitSourceError } from './git-errors.js';
import type { GitRunner } from './git-runner.js';
import {
  CLUSTERS_SYMLINK_REASON,
  createReadBudget,
  ID_PREFIX_BYTES,
  idFromPrefix,
  MAX_DEPTH,
  MAX_MANIFEST_BYTES,
  sizeProblem,
  SUBMODULE_REASON,
  SYMLINK_REASON,
  tooLargeReason,
  unreadable,
  type ReadBudget,
} from './manifest-limits.js';
import type { Snapshot } from './types.js';

/** One line of `git ls-tree -l`. `commit` is a submodule (gitlink). */
export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  id: string;
  /** The blob's size in bytes, from the tree listing; null for trees and submodules. */
  size: number | null;
  name: string;
}

/** Git's mode of a symlink; its blob holds the target path. */
const SYMLINK_MODE = '120000';

/** Blobs read at once; keeps a large clusters/ from spawning hundreds of processes. */
const READ_BATCH = 8;

/** `ls-tree` of a tree-ish, optionally of one literal path in it (ls-tree does not glob). */
export async function listTree(git: GitRunner, treeish: string, path?: string): Promise<TreeEntry[]> {
  // -l: each blob's size, so an oversized one is refused before anything reads it.
  const out = await git.run(['ls-tree', '-z', '-l', treeish, ...(path === undefined ? [] : ['--', path])]);
  return out
    .split('\0')
    .filter((line) => line !== '')
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode = '', type = '', id = '', size = '-'] = line.slice(0, tab).split(/ +/);
      return { mode, type: type as TreeEntry['type'], id, size: size === '-' ? null : Number(size), name: line.slice(tab + 1) };
    });
}

/**
 * The file's content at `rev`, or undefined when it is absent there (or is a folder). Under
 * clusters/, refuses (`InvalidPath`) a symlink, a submodule or a blob over `MAX_MANIFEST_BYTES`
 * instead of reading it; other files (status/, written by clusterops) are read as they are.
 */
export async function readFileAt(git: GitRunner, rev: string, path: string): Promise<string | undefined> {
  const entry = (await listTree(git, rev, path)).find((e) => e.name === path);
  if (!entry || entry.type === 'tree') return undefined;
  if (!path.startsWith('clusters/')) return entry.type === 'blob' ? git.run(['cat-file', 'blob', entry.id]) : undefined;
  const problem = refusal(entry);
  if (problem) throw new GitSourceError('InvalidPath', `${path} ${problem}`);
  return git.run(['cat-file', 'blob', entry.id]);
}

/** Why an entry is never read as a manifest (before any budget), or null. */
function refusal(entry: TreeEntry): string | null {
  if (entry.type === 'commit') return SUBMODULE_REASON;
  if (entry.mode === SYMLINK_MODE) return SYMLINK_REASON;
  if (entry.size !== null && entry.size > MAX_MANIFEST_BYTES) return tooLargeReason(entry.size);
  return null;
}

/**
 * Blob contents by object id, kept between snapshots by their reader: a blob id names its
 * content for good, so a new revision costs one `git cat-file` per changed manifest, not one per
 * manifest (1,000 process spawns, seconds, for a one-line change in a large repository).
 */
export type BlobCache = Map<string, string>;

/**
 * The snapshot of commit `rev`, read from Git objects only (never the working tree). With a
 * cache, blobs found there are not read again, and the cache ends holding exactly this snapshot's.
 */
export async function readSnapshotAt(git: GitRunner, rev: string, cache?: BlobCache): Promise<Snapshot> {
  const [meta, root] = await Promise.all([
    git.run(['show', '-s', '--format=%H%x00%cI%x00%B', rev]),
    listTree(git, rev, 'clusters'),
  ]);
  const [revision = '', committedAt = '', message = ''] = meta.split('\0');
  const clusters = root.find((e) => e.name === 'clusters');
  // A clusters/ that is a symlink, a file or a submodule is an error, never an empty folder
  // (which is what "every cluster deleted" looks like).
  const files = !clusters ? [] : clusters.type === 'tree' ? await readClusterTree(git, clusters.id, cache) : [notAFolder(clusters)];
  return {
    revision,
    files,
    clustersTreeId: clusters?.id ?? '',
    message: message.replace(/\n+$/, ''),
    committedAt,
  };
}

function notAFolder(entry: TreeEntry): RepoEntry {
  if (entry.mode === SYMLINK_MODE) return unreadable('clusters', CLUSTERS_SYMLINK_REASON);
  return unreadable('clusters', `clusters is ${entry.type === 'commit' ? 'a Git submodule' : 'a file'}; it must be a folder of regular files`);
}

/** Reads one entry, given how to read a whole blob and a bounded prefix of one. */
type Step = (blob: (id: string) => Promise<string>, prefix: (id: string) => Promise<string>) => Promise<RepoEntry>;

/**
 * The entries of the clusters/ tree, shaped like `readClusterEntries` reads a working tree.
 * What is read is decided first, from the listing alone: a symlink or a submodule is never read
 * and a blob over `MAX_MANIFEST_BYTES` (or past the revision's budget) only for a bounded prefix
 * holding its id. Those come back `unreadable` and fail validation (the cluster goes to `error`)
 * instead of vanishing, which would read as "cluster deleted".
 */
async function readClusterTree(git: GitRunner, treeId: string, cache: BlobCache | undefined): Promise<RepoEntry[]> {
  // Dotfiles and sub-folders' files too: the validator reports them (and reads their id) rather
  // than have them vanish, which would read as "cluster deleted".
  const entries = await listClusterTree(git, treeId);
  const read = new Map<string, string>();
  const blob = async (id: string) => {
    const content = cache?.get(id) ?? read.get(id) ?? (await git.run(['cat-file', 'blob', id]));
    read.set(id, content);
    return content;
  };
  const prefix = async (id: string) => (await git.readPrefix(['cat-file', 'blob', id], ID_PREFIX_BYTES)).toString('utf8');
  const budget = createReadBudget();
  const steps = entries.map((e) => toStep(e, budget));
  const out: RepoEntry[] = [];
  for (let i = 0; i < steps.length; i += READ_BATCH) {
    const batch = steps.slice(i, i + READ_BATCH);
    out.push(...(await Promise.all(batch.map((step) => step(blob, prefix)))));
  }
  if (cache) {
    cache.clear();
    for (const [id, content] of read) cache.set(id, content);
  }
  return out;
}

/** Every entry of the clusters/ tree, those of its sub-folders with their relative path (`eu/prod.yaml`). */
async function listClusterTree(git: GitRunner, treeId: string, prefix = '', depth = 0): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for (const e of await listTree(git, treeId)) {
    const named = { ...e, name: `${prefix}${e.name}` };
    if (e.type !== 'tree' || depth >= MAX_DEPTH) out.push(named);
    else {
      const inner = await listClusterTree(git, e.id, `${named.name}/`, depth + 1);
      out.push(...(inner.length > 0 ? inner : [named]));
    }
  }
  return out;
}

function toStep(entry: TreeEntry, budget: ReadBudget): Step {
  const path = `clusters/${entry.name}`;
  if (entry.type === 'tree') return async () => ({ path, kind: 'dir' });
  const problem = refusal(entry) ?? sizeProblem(entry.size ?? 0, budget);
  if (problem === null) return async (blob) => ({ path, kind: 'file', content: await blob(entry.id) });
  // Only an oversized regular file may hold an id worth a bounded read.
  const lookForId = entry.type === 'blob' && entry.mode !== SYMLINK_MODE && budget.takePrefix();
  return async (_blob, prefix) => unreadable(path, problem, lookForId ? idFromPrefix(await prefix(entry.id)) : undefined);
}
