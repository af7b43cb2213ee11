import type { RepoEntry } from '../domain/manifest/repository.js';
import type { GitRunner } from './git-runner.js';
import type { Snapshot } from './types.js';

/** One line of `git ls-tree`. `commit` is a submodule (gitlink). */
export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  id: string;
  name: string;
}

/** Blobs read at once; keeps a large clusters/ from spawning hundreds of processes. */
const READ_BATCH = 8;

/** `ls-tree` of a tree-ish, optionally of one literal path in it (ls-tree does not glob). */
export async function listTree(git: GitRunner, treeish: string, path?: string): Promise<TreeEntry[]> {
  const out = await git.run(['ls-tree', '-z', treeish, ...(path === undefined ? [] : ['--', path])]);
  return out
    .split('\0')
    .filter((line) => line !== '')
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode = '', type = '', id = ''] = line.slice(0, tab).split(' ');
      return { mode, type: type as TreeEntry['type'], id, name: line.slice(tab + 1) };
    });
}

/** The file's content at `rev`, or undefined when it is absent there (or is a folder). */
export async function readFileAt(git: GitRunner, rev: string, path: string): Promise<string | undefined> {
  const entry = (await listTree(git, rev, path)).find((e) => e.name === path);
  if (!entry || entry.type !== 'blob') return undefined;
  return git.run(['cat-file', 'blob', entry.id]);
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
  const clusters = root.find((e) => e.name === 'clusters' && e.type === 'tree');
  return {
    revision,
    files: clusters ? await readClusterTree(git, clusters.id, cache) : [],
    clustersTreeId: clusters?.id ?? '',
    message: message.replace(/\n+$/, ''),
    messages: [message.replace(/\n+$/, '')],
    committedAt,
  };
}

/** Commit messages in `from..to`, newest first; just `to`'s when `from` is not an ancestor. */
export async function messagesBetween(git: GitRunner, from: string, to: string, limit = 200): Promise<string[] | null> {
  try {
    const out = await git.run(['log', '--format=%B%x00', `-n${limit}`, `${from}..${to}`]);
    return out.split('\0').map((m) => m.replace(/^\n+|\n+$/g, '')).filter((m) => m !== '');
  } catch {
    return null;
  }
}

/**
 * The entries of the clusters/ tree, shaped like `readClusterEntries` reads a working tree.
 * A symlink is returned as a file holding its target and a submodule as a folder: both then
 * fail validation (the cluster goes to `error`) instead of vanishing, which would read as
 * "cluster deleted".
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
  const out: RepoEntry[] = [];
  for (let i = 0; i < entries.length; i += READ_BATCH) {
    const batch = entries.slice(i, i + READ_BATCH);
    out.push(...(await Promise.all(batch.map((e) => toRepoEntry(e, blob)))));
  }
  if (cache) {
    cache.clear();
    for (const [id, content] of read) cache.set(id, content);
  }
  return out;
}

/** Sub-folders below clusters/ are listed this deep; deeper ones come back as a folder entry. */
const MAX_DEPTH = 4;

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

async function toRepoEntry(entry: TreeEntry, blob: (id: string) => Promise<string>): Promise<RepoEntry> {
  const path = `clusters/${entry.name}`;
  if (entry.type !== 'blob') return { path, kind: 'dir' };
  // A symlink's blob is its target path, which is what the caller then sees as content.
  return { path, kind: 'file', content: await blob(entry.id) };
}
