import { createHash } from 'node:crypto';
import type { Provider } from '../domain/manifest/types.js';
import type { LoadedCluster, RepositoryLoad } from '../domain/manifest/repository.js';
import { formatDiagnostic } from '../domain/manifest/repository.js';
import { checkImmutableFields, holdWhileInvalid, restoreRemovedIds, type IdentityInput, type IdRestore } from './desired-identity.js';
import type { DesiredEntry, DesiredView } from './types.js';

/** Mass-deletion guard: hold deletions back when a revision removes more than this at once. */
export interface DeletionGuard {
  /** More than this many clusters … */
  maxClusters: number;
  /** … and more than this share of all known clusters. */
  maxShare: number;
}

export const DEFAULT_DELETION_GUARD: DeletionGuard = { maxClusters: 1, maxShare: 0.5 };
export const CONFIRM_DELETION_MARKER = 'clusterops: confirm-deletion';

/** The desired state of one snapshot, plus what still needs an id and what is held back. */
export interface DesiredState extends DesiredView {
  entries: ReadonlyMap<string, DesiredEntry>;
  /** Valid manifests of new clusters without an id: ids are assigned (committed) before anything happens to them. */
  unassigned: LoadedCluster[];
  /** Manifests whose `id:` line was removed: their cluster's id is committed back. */
  restores: IdRestore[];
  /** Cluster ids whose manifests are gone and that will be deleted (not held). */
  deleting: string[];
  held: ReadonlyMap<string, string>;
}

export interface DesiredInput extends IdentityInput {
  load: RepositoryLoad;
  revision: string;
  /** Clusters the store knows: id → name. */
  known: ReadonlyMap<string, string>;
  /** Clusters seen only in provider tags. */
  orphans: ReadonlyMap<string, Provider>;
  /** Cluster ids whose deletion a person confirmed. */
  confirmed: ReadonlySet<string>;
  guard?: DeletionGuard;
}

/** Builds the desired view of a snapshot. Pure. */
export function buildDesiredState(input: DesiredInput): DesiredState {
  const entries = new Map<string, DesiredEntry>();
  const withoutId: LoadedCluster[] = [];
  for (const c of input.load.clusters) {
    if (!c.manifest.id) withoutId.push(c);
    else entries.set(c.manifest.id, { kind: 'valid', manifest: { ...c.manifest, id: c.manifest.id }, hash: hashOf(JSON.stringify(c.manifest)) });
  }
  const nameToId = new Map([...input.known].map(([id, name]) => [name, id]));
  for (const bad of input.load.invalid) {
    // An invalid file keeps its cluster: matched by id if readable, else by the file's name.
    const id = bad.id ?? nameToId.get(bad.name);
    if (!id || entries.has(id)) continue;
    const message = bad.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('; ');
    entries.set(id, { kind: 'invalid', name: bad.name, message, hash: hashOf(message) });
  }
  checkImmutableFields(entries, input, hashOf);
  const { fresh: unassigned, restores } = restoreRemovedIds(withoutId, entries, input, hashOf);
  const unassignedNames = new Set(unassigned.map((c) => c.manifest.name));
  const gone = [...new Set([...input.known.keys(), ...input.orphans.keys()])].filter(
    (id) => !entries.has(id) && !unassignedNames.has(input.known.get(id) ?? ''),
  );
  const total = new Set([...entries.keys(), ...input.known.keys(), ...input.orphans.keys()]).size;
  const held = holdWhileInvalid(gone, input.load) ?? holdDeletions(gone, total, input);
  const deleting = gone.filter((id) => !held.has(id));
  return {
    revision: input.revision,
    entries,
    unassigned,
    restores,
    deleting,
    held,
    get: (id) => entries.get(id),
    deletionHeld: (id) => held.get(id),
    orphanProvider: (id) => input.orphans.get(id),
  };
}

function holdDeletions(gone: string[], total: number, input: DesiredInput): Map<string, string> {
  const guard = input.guard ?? DEFAULT_DELETION_GUARD;
  const pending = gone.filter((id) => !input.confirmed.has(id));
  if (pending.length <= guard.maxClusters || pending.length <= guard.maxShare * total) return new Map();
  const names = pending.map((id) => input.known.get(id) ?? id);
  const message =
    `deletion held back: revision ${input.revision.slice(0, 12)} would delete ${pending.length} of ${total} clusters at once (${names.join(', ')}). ` +
    `If that is intended, push a commit whose message contains "${CONFIRM_DELETION_MARKER}"; otherwise restore the manifests.`;
  return new Map(pending.map((id) => [id, message]));
}

export function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
