import type { RepoEntry } from '../domain/manifest/repository.js';

/**
 * What a source hands the controller: the desired state at one revision.
 * Contract:
 * - `files` are the entries directly under `clusters/`, read from the revision itself (never
 *   from a working tree someone may have edited); dotfiles are skipped, sub-folders appear as
 *   `kind: 'dir'` so validation can report them;
 * - symlinks, submodules, special files and manifests over `MAX_MANIFEST_BYTES` are never read
 *   (nor followed): they appear as `kind: 'unreadable'` with the reason, and the `id` found in a
 *   bounded prefix when there is one, so validation makes them errors rather than deletions;
 * - `clustersTreeId` changes if and only if something under `clusters/` changed. A commit that
 *   touches only `status/` (or anything else) keeps it, so the controller can skip a pass;
 * - an empty `clustersTreeId` means the revision has no `clusters/` folder at all (Git keeps no
 *   empty folders, so this is also what "every cluster removed" looks like).
 */
export interface Snapshot {
  /** Git: the commit sha. Local: `local:` + sha256 of the entries. */
  revision: string;
  files: RepoEntry[];
  /** Git: the tree id of `clusters/`, '' if absent. Local: the same hash as `revision`. */
  clustersTreeId: string;
  /** The head commit's message ('' for a local working tree). */
  message: string;
  /** ISO 8601 committer date (local: when the snapshot was read). */
  committedAt: string;
}

/** A commit identity. Neither field may contain `<`, `>` or a line break. */
export interface GitIdentity {
  name: string;
  email: string;
}

/** One file written by a commit: `content: null` deletes it. `path` is relative to the repo root. */
export interface FileChange {
  path: string;
  content: string | null;
}

/** Structured log sink. Sources never pass secrets (tokens, credentialed URLs) to it. */
export interface SourceLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything: the default when none is injected. */
export function silentLogger(): SourceLogger {
  return { info: () => undefined, warn: () => undefined };
}
