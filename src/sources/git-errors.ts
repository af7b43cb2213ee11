/**
 * Why a Git source operation failed, for callers that branch on it (never on the message):
 * - `EmptyRemote`: the remote has no commits yet; push a first commit, then call `open()` again;
 * - `BranchNotFound`: the remote has commits but not the tracked branch;
 * - `OriginMismatch`: `workDir` is a clone of another repository;
 * - `NotAClone`: `workDir` exists, is not empty and is not a Git clone;
 * - `InvalidPath` / `InvalidBranch` / `InvalidIdentity` / `InvalidUrl`: the caller passed something unusable;
 * - `NotOpen`: `poll()`/`commit()` before a successful `open()`;
 * - `PushRejected`: every attempt lost the race to other writers (retry later);
 * - `GitFailed`: git itself failed (network, auth, hook); the message is git's, redacted.
 */
export type GitSourceErrorReason =
  | 'EmptyRemote'
  | 'BranchNotFound'
  | 'OriginMismatch'
  | 'NotAClone'
  | 'InvalidPath'
  | 'InvalidBranch'
  | 'InvalidIdentity'
  | 'InvalidUrl'
  | 'NotOpen'
  | 'PushRejected'
  | 'GitFailed';

/** Every error a Git source throws. Messages are redacted: no credentials, no env values. */
export class GitSourceError extends Error {
  override readonly name = 'GitSourceError';

  constructor(
    readonly reason: GitSourceErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** Removes secrets from text: URL user-info (`https://user:token@host`) and the given values. */
export type Redactor = (text: string) => string;

/** Values shorter than this are not treated as secrets (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 6;

export function createRedactor(secrets: readonly string[]): Redactor {
  const values = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
    for (const v of values) out = out.split(v).join('***');
    return out;
  };
}
