import type { RepoEntry } from '../domain/manifest/repository.js';

/** Sub-folders below clusters/ are read this deep (their files are reported as misplaced); deeper ones come back as a folder entry. */
export const MAX_DEPTH = 4;

/**
 * The largest manifest read. A real one is well under 4 KiB; an 8 MB one (a fork's pull
 * request, a pushed revision) took seconds of event-loop time and 1.5 GB to parse.
 */
export const MAX_MANIFEST_BYTES = 256 * 1024;

/** Manifest bytes read per revision at most (1,000 clusters are ~0.5 MB); the rest are refused. */
export const MAX_REVISION_BYTES = 32 * 1024 * 1024;

/** What is read of a refused manifest to recover its `id:` (kept at the top by clusterops). */
export const ID_PREFIX_BYTES = 16 * 1024;

/** Refused manifests per revision whose prefix is read for an id; past this, no id is looked for. */
export const MAX_PREFIX_READS = 32;

export const SYMLINK_REASON = 'is a symbolic link; clusters/ holds only regular files';
export const SUBMODULE_REASON = 'is a Git submodule; clusters/ holds only regular files';
export const SPECIAL_REASON = 'is not a regular file; clusters/ holds only regular files';
export const CLUSTERS_SYMLINK_REASON = 'clusters/ is a symbolic link; it must be a folder of regular files';
export const BUDGET_REASON = `not read: this revision's manifests exceed ${MAX_REVISION_BYTES / 1024 / 1024} MiB in total`;

/** "manifest is 8.4 MB; the limit is 256 KiB". */
export function tooLargeReason(bytes: number): string {
  const size = bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KiB`;
  return `manifest is ${size}; the limit is ${MAX_MANIFEST_BYTES / 1024} KiB`;
}

/** Why a regular file of `bytes` is not read whole (too large, past the budget), or null once they are taken from the budget. */
export function sizeProblem(bytes: number, budget: ReadBudget): string | null {
  if (bytes > MAX_MANIFEST_BYTES) return tooLargeReason(bytes);
  return budget.take(bytes) ? null : BUDGET_REASON;
}

/** A top-level `id: cluster_…` line in the first bytes of a manifest, if there is one. */
export function idFromPrefix(prefix: string): string | undefined {
  return /^id:[ \t]*(["']?)(cluster_[a-z0-9]{1,32})\1[ \t]*(?:#.*)?$/m.exec(prefix)?.[2];
}

export function unreadable(path: string, reason: string, id?: string): RepoEntry {
  return { path, kind: 'unreadable', reason, ...(id ? { id } : {}) };
}

/**
 * The per-revision read allowance: `MAX_REVISION_BYTES` of content and `MAX_PREFIX_READS` id
 * look-ups. One per snapshot read; not shared between concurrent reads.
 */
export interface ReadBudget {
  /** Takes `bytes` from the allowance; false (taking nothing) when they do not fit. */
  take(bytes: number): boolean;
  /** Whether another refused manifest may have its prefix read. */
  takePrefix(): boolean;
}

export function createReadBudget(): ReadBudget {
  let bytes = MAX_REVISION_BYTES;
  let prefixes = MAX_PREFIX_READS;
  return {
    take(n) {
      if (n > bytes) return false;
      bytes -= n;
      return true;
    },
    takePrefix() {
      if (prefixes === 0) return false;
      prefixes--;
      return true;
    },
  };
}
