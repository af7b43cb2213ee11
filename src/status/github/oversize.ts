import type { RepoEntry } from '../../domain/manifest/repository.js';
import { MAX_MANIFEST_BYTES } from '../../sources/manifest-limits.js';
import { PLAN_CONTEXT, PLAN_MARKER, truncate, VALIDATE_CONTEXT, type PullRequestReport } from './pr-report.js';

/**
 * The largest manifest a pull-request check parses: the readers' own cap (sources/manifest-limits),
 * so a larger file reaches a check only as an `unreadable` entry. Kept here for entries read
 * some other way. Real manifests are a few KiB; parsing megabytes of YAML from a fork's pull
 * request would hold the event loop for seconds and take gigabytes.
 */
export const MAX_PR_MANIFEST_BYTES = MAX_MANIFEST_BYTES;

/** At most this much of `clusters/` is parsed per pull-request check, all files together. */
export const MAX_PR_CLUSTERS_BYTES = 4 * 1024 * 1024;

/** The manifests at a head that are too large to check (or, all together over the total cap, the folder), with sizes in bytes. */
export function oversizedManifests(entries: readonly RepoEntry[]): { path: string; bytes: number; limit: number }[] {
  let total = 0;
  const out: { path: string; bytes: number; limit: number }[] = [];
  for (const e of entries) {
    if (e.kind !== 'file') continue;
    const bytes = Buffer.byteLength(e.content);
    total += bytes;
    if (bytes > MAX_PR_MANIFEST_BYTES) out.push({ path: e.path, bytes, limit: MAX_PR_MANIFEST_BYTES });
  }
  if (out.length === 0 && total > MAX_PR_CLUSTERS_BYTES) out.push({ path: 'clusters/ (all manifests together)', bytes: total, limit: MAX_PR_CLUSTERS_BYTES });
  return out;
}

/** The report of a head with oversized manifests: nothing parsed, both statuses fail, the comment says which files. */
export function oversizeReport(headSha: string, files: readonly { path: string; bytes: number; limit: number }[]): PullRequestReport {
  const lines = files.map((f) => `${f.path} is ${(f.bytes / 1_000_000).toFixed(1)} MB: ${f.limit === MAX_PR_MANIFEST_BYTES ? 'a manifest' : 'all manifests together'} may be at most ${f.limit / 1024} KiB`);
  const comment = [PLAN_MARKER, '## clusterops plan', `For commit \`${headSha.slice(0, 7)}\`. This comment is updated on every push.`, `### ❌ Validation failed (${files.length} ${files.length === 1 ? 'file' : 'files'} too large to read)`, ['```', ...lines, '```'].join('\n'), 'Nothing was planned.'].join('\n\n');
  return {
    validate: { context: VALIDATE_CONTEXT, state: 'failure', description: truncate(lines[0] ?? 'manifest too large') },
    plan: { context: PLAN_CONTEXT, state: 'failure', description: truncate(`not planned: ${lines[0] ?? 'manifest too large'}`) },
    comment: `${comment}\n`,
    clusters: [],
  };
}
