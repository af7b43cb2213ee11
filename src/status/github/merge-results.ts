import { loadRepository, type RepoEntry } from '../../domain/manifest/repository.js';
import type { ClusterRecord } from '../../store/types.js';
import type { PullFile } from './client.js';
import type { MergeResult } from './pr-handler.js';

/** A cluster a merged pull request touched: what the result comment reports on. */
export interface TouchedCluster {
  /** Absent for a manifest merged without an id (the daemon assigns one right after). */
  id?: string;
  name: string;
  /** The pull request removed its manifest: done once its record is gone. */
  removed: boolean;
}

/** A merged pull request waiting until the daemon has applied its merge commit. */
export interface PendingResult {
  number: number;
  mergeSha: string;
  /** Epoch ms GitHub merged it (the result's duration counts from there). */
  mergedAt: number;
  touched: TouchedCluster[];
}

/** What the result check reads of the running daemon. */
export interface AppliedState {
  /** The revision the daemon has taken in. */
  revision: string;
  records: readonly ClusterRecord[];
  /** Whether commit `sha` is `revision` or one of its ancestors (the daemon's Git knows). */
  contains: (revision: string, sha: string) => Promise<boolean>;
}

const IN_PROGRESS = new Set(['provisioning', 'updating', 'deleting']);

/** The clusters whose manifests the pull request changed, added or removed (read at the merge commit and at the base). */
export function touchedClusters(files: readonly PullFile[], atMerge: readonly RepoEntry[], atBase: readonly RepoEntry[]): TouchedCluster[] {
  const changed = new Set(files.flatMap((f) => [f.filename, f.previousFilename ?? '']).filter((p) => p.startsWith('clusters/')));
  const merged = loadRepository([...atMerge]);
  const out: TouchedCluster[] = [];
  const add = (c: { id?: string; name: string }, removed: boolean) => {
    if (!out.some((t) => (c.id !== undefined && t.id === c.id) || t.name === c.name)) out.push({ ...(c.id ? { id: c.id } : {}), name: c.name, removed });
  };
  for (const c of merged.clusters) if (changed.has(c.file)) add({ ...(c.manifest.id ? { id: c.manifest.id } : {}), name: c.manifest.name }, false);
  for (const i of merged.invalid) if (changed.has(i.file)) add(i, false);
  for (const c of loadRepository([...atBase]).clusters) if (changed.has(c.file)) add({ ...(c.manifest.id ? { id: c.manifest.id } : {}), name: c.manifest.name }, true);
  return out;
}

/**
 * The result of a merge once the daemon has applied it: its revision contains the merge commit
 * and every touched cluster has settled on a revision that contains it (or, removed, is gone).
 * Null while that is not so, unless `timedOut`: then the result says what it has come to.
 */
export async function mergeResult(p: PendingResult, state: AppliedState, now: number, timedOut: boolean): Promise<MergeResult | null> {
  const applied = state.revision !== '' && (await state.contains(state.revision, p.mergeSha).catch(() => false));
  if (!applied && !timedOut) return null;
  const lines: string[] = [];
  const errors: string[] = [];
  let settled = applied;
  for (const t of p.touched) {
    const record = state.records.find((r) => (t.id !== undefined ? r.id === t.id : r.name === t.name));
    const s = record?.status;
    if (!record) {
      settled &&= t.removed;
      lines.push(`${t.name} ${t.removed ? 'deleted' : 'not created yet'}`);
      continue;
    }
    settled &&= Boolean(s && !IN_PROGRESS.has(s.status) && (await state.contains(s.observedRevision, p.mergeSha).catch(() => false)));
    const running = s?.nodes.filter((n) => n.status === 'running').length ?? 0;
    lines.push(s ? `${record.name} ${s.status} (${running}/${s.desiredNodes} nodes)` : `${record.name} unknown`);
    if (s?.status === 'error') errors.push(`${record.name}: ${s.lastError ?? 'error'}`);
  }
  if (!settled && !timedOut) return null;
  const summary = lines.join(', ') || 'no cluster changes';
  return { converged: settled && errors.length === 0, summary, durationMs: Math.max(0, now - p.mergedAt), ...(errors.length ? { errors } : {}) };
}
