import { readManifestText } from '../sources/local-files.js';
import type { Snapshot } from '../sources/types.js';

/** Where the dashboard reads manifests from: the Git source at a revision, or a local working tree. */
export interface ManifestSource {
  /** Git sources: `clusters/` and the commit time at a revision (read from Git, never a working tree). */
  snapshotOf?: (sha: string) => Promise<Snapshot>;
  /** `--local DIR`: the watched folder. */
  localDir?: string;
}

/** Reads manifests and commit times at revisions, remembering the last few revisions (they never change). */
export interface ManifestReader {
  /** The file's text at the revision, or null when it is not there (or cannot be read). */
  text(revision: string, path: string): Promise<string | null>;
  /** The revision's commit time (ISO), or null when unknown (local working trees). */
  committedAt(revision: string): Promise<string | null>;
}

const KEEP = 32;

export function createManifestReader(source: ManifestSource): ManifestReader {
  const cache = new Map<string, Promise<Snapshot | null>>();
  const snapshot = (sha: string): Promise<Snapshot | null> => {
    if (!source.snapshotOf || !/^[0-9a-f]{40}$/.test(sha)) return Promise.resolve(null);
    let found = cache.get(sha);
    if (!found) {
      // A failed read is not remembered, so the next poll tries again.
      found = source.snapshotOf(sha).catch(() => {
        cache.delete(sha);
        return null;
      });
      cache.set(sha, found);
      if (cache.size > KEEP) cache.delete(cache.keys().next().value!);
    }
    return found;
  };
  return {
    text: async (revision, path) => {
      // Never follows a symlink: a manifest linked to a token file must not serve the token.
      if (source.localDir) return readManifestText(source.localDir, path);
      const entry = (await snapshot(revision))?.files.find((f) => f.path === path || f.path === path.replace(/^clusters\//, ''));
      return entry?.kind === 'file' ? entry.content : null;
    },
    committedAt: async (revision) => (await snapshot(revision))?.committedAt ?? null,
  };
}

/**
 * A browser link to a file at a revision: GitHub SSH and HTTPS remotes, and other HTTP(S) hosts
 * with the common `/blob/<rev>/<path>` layout (GitLab, Gitea and Forgejo redirect it). Null for
 * local paths, `file:` URLs and anything else. Credentials in the URL never reach the link.
 */
export function manifestLink(repoUrl: string | undefined, revision: string, path: string): string | null {
  if (!repoUrl || !/^[0-9a-f]{40}$/.test(revision)) return null;
  const scp = /^[\w.-]+@([\w.-]+):([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/.exec(repoUrl);
  let base: string | null = null;
  if (scp) base = `https://${scp[1]}/${scp[2]}`;
  else {
    try {
      const url = new URL(repoUrl);
      if (url.protocol === 'https:' || url.protocol === 'http:' || (url.protocol === 'ssh:' && url.hostname === 'github.com')) {
        const scheme = url.protocol === 'http:' ? 'http' : 'https';
        const host = url.protocol === 'ssh:' ? url.hostname : url.host;
        base = `${scheme}://${host}${url.pathname.replace(/\.git\/?$/, '').replace(/\/+$/, '')}`;
      }
    } catch {
      return null;
    }
  }
  return base ? `${base}/blob/${revision}/${path}` : null;
}
