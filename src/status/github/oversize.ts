import type { RepoEntry } from '../../domain/manifest/repository.js';
import { PLAN_CONTEXT, PLAN_MARKER, truncate, VALIDATE_CONTEXT, type PullRequestReport } from './pr-report.js';

/**
 * The largest manifest a pull-request check parses. Real manifests are a few KiB; parsing
 * megabytes of YAML from a fork's pull request would hold the event loop for seconds and take
 * gigabytes, so larger files are reported without being parsed.
 */
export const MAX_PR_MANIFEST_BYTES = 256 * 1024;

/** The manifests at a head that are too large to check, with their sizes in bytes. */
export function oversizedManifests(entries: readonly RepoEntry[]): { path: string; bytes: number }[] {
  return entries.flatMap((e) => (e.kind === 'file' && e.content.length > MAX_PR_MANIFEST_BYTES / 4 && Buffer.byteLength(e.content) > MAX_PR_MANIFEST_BYTES ? [{ path: e.path, bytes: Buffer.byteLength(e.content) }] : []));
}

/** The report of a head with oversized manifests: nothing parsed, both statuses fail, the comment says which files. */
export function oversizeReport(headSha: string, files: readonly { path: string; bytes: number }[]): PullRequestReport {
  const lines = files.map((f) => `${f.path} is ${(f.bytes / 1_000_000).toFixed(1)} MB: a manifest may be at most ${MAX_PR_MANIFEST_BYTES / 1024} KiB`);
  const comment = [PLAN_MARKER, '## clusterops plan', `For commit \`${headSha.slice(0, 7)}\`. This comment is updated on every push.`, `### ❌ Validation failed (${files.length} ${files.length === 1 ? 'file' : 'files'} too large to read)`, ['```', ...lines, '```'].join('\n'), 'Nothing was planned.'].join('\n\n');
  return {
    validate: { context: VALIDATE_CONTEXT, state: 'failure', description: truncate(lines[0] ?? 'manifest too large') },
    plan: { context: PLAN_CONTEXT, state: 'failure', description: truncate(`not planned: ${lines[0] ?? 'manifest too large'}`) },
    comment: `${comment}\n`,
    clusters: [],
  };
}
