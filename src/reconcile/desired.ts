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

/** The desired state of one snapshot, plus what still needs an id and what is held back. */
export interface DesiredState extends DesiredView {
  entries: ReadonlyMap<string, DesiredEntry>;
  /** Valid manifests of new clusters without an id: ids are assigned (committed) before anything happens to them. */
  unassigned: LoadedCluster[];
  /** Manifests whose `id:` line was removed: their cluster's id is committed back. */
  restores: IdRestore[];
  /** Cluster ids whose manifests are gone and that will be deleted (not held). */
  deleting: string[];
  /** Cluster ids whose deletion is held → the hold's message (how to confirm). */
  held: ReadonlyMap<string, string>;
  /**
   * Every gone cluster under a hold → the revision it was held at, confirmed or not: the daemon
   * keeps these in the store, so a hold lasts (across revisions and restarts) until it is
   * confirmed for that revision or the manifest comes back.
   */
  holds: ReadonlyMap<string, string>;
}

export interface DesiredInput extends IdentityInput {
  load: RepositoryLoad;
  revision: string;
  /** Clusters the store knows: id → name. */
  known: ReadonlyMap<string, string>;
  /** Clusters seen only in provider tags. */
  orphans: ReadonlyMap<string, Provider>;
  /** Holds already recorded (store): cluster id → the revision it was held at. */
  holds: ReadonlyMap<string, string>;
  /** Confirmations (`cluster.confirmDeletion`): cluster id → the held revision an org admin confirmed. */
  confirmed: ReadonlyMap<string, string>;
  guard?: DeletionGuard;
}

/** Builds the desired view of a snapshot. Pure. */
export function buildDesiredState(input: DesiredInput): DesiredState {
  const entries = new Map<string, DesiredEntry>();
  const withoutId: LoadedCluster[] = [];
  // The file is part of the hash: moving a manifest (its status file follows) is a change to act on.
  for (const c of input.load.clusters) {
    if (!c.manifest.id) withoutId.push(c);
    else entries.set(c.manifest.id, { kind: 'valid', manifest: { ...c.manifest, id: c.manifest.id }, hash: hashOf(JSON.stringify([c.file, c.manifest])), file: c.file });
  }
  const nameToId = new Map([...input.known].map(([id, name]) => [name, id]));
  for (const bad of input.load.invalid) {
    // An invalid file keeps its cluster: matched by id if readable, else by the file's name.
    const id = bad.id ?? nameToId.get(bad.name);
    if (!id || entries.has(id)) continue;
    const message = bad.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('; ');
    entries.set(id, { kind: 'invalid', name: bad.name, message, hash: hashOf(message), file: bad.file });
  }
  checkImmutableFields(entries, input, hashOf);
  const { fresh: unassigned, restores } = restoreRemovedIds(withoutId, entries, input, hashOf);
  const unassignedNames = new Set(unassigned.map((c) => c.manifest.name));
  const gone = [...new Set([...input.known.keys(), ...input.orphans.keys()])].filter(
    (id) => !entries.has(id) && !unassignedNames.has(input.known.get(id) ?? ''),
  );
  const total = new Set([...entries.keys(), ...input.known.keys(), ...input.orphans.keys()]).size;
  // While clusters/ has any error, nothing is deleted (recorded mass-deletion holds are kept).
  const whileInvalid = holdWhileInvalid(gone, input.load);
  const { held, holds } = whileInvalid ? { held: whileInvalid, holds: new Map(gone.flatMap((id) => (input.holds.has(id) ? [[id, input.holds.get(id)!] as const] : []))) } : holdDeletions(gone, total, input);
  const deleting = gone.filter((id) => !held.has(id));
  return {
    revision: input.revision,
    entries,
    unassigned,
    restores,
    deleting,
    held,
    holds,
    get: (id) => entries.get(id),
    deletionHeld: (id) => held.get(id),
    orphanProvider: (id) => input.orphans.get(id),
  };
}

/**
 * The mass-deletion guard. A hold, once made, lasts while the cluster stays gone (the count
 * dropping as other clusters go must not release the rest); only a confirmation of the held
 * revision releases it. A new hold is made when the clusters this revision would delete that
 * nobody confirmed are more than the guard allows.
 */
function holdDeletions(gone: string[], total: number, input: DesiredInput): { held: Map<string, string>; holds: Map<string, string> } {
  const guard = input.guard ?? DEFAULT_DELETION_GUARD;
  const holds = new Map(gone.flatMap((id) => (input.holds.has(id) ? [[id, input.holds.get(id)!] as const] : [])));
  const confirmed = (id: string) => holds.has(id) && input.confirmed.get(id) === holds.get(id);
  const pending = gone.filter((id) => !confirmed(id));
  if (pending.length > guard.maxClusters && pending.length > guard.maxShare * total) for (const id of pending) if (!holds.has(id)) holds.set(id, input.revision);
  const unconfirmed = pending.filter((id) => holds.has(id));
  const names = unconfirmed.map((id) => input.known.get(id) ?? id);
  const held = new Map(unconfirmed.map((id) => [id, holdMessage(id, holds.get(id)!, `${unconfirmed.length} of ${total} clusters (${names.join(', ')})`)]));
  return { held, holds };
}

/** What the held status says: why, and exactly how to confirm (the procedure, the cluster, the held revision). */
function holdMessage(clusterId: string, revision: string, what: string): string {
  return (
    `deletion held back since revision ${revision.slice(0, 12)}: ${what} would be deleted at once. ` +
    `If that is intended, an admin of this cluster's organization confirms it: POST /api/cluster.confirmDeletion {"clusterId":"${clusterId}","revision":"${revision}"} ` +
    `(each cluster needs its own confirmation); otherwise restore the manifests.`
  );
}

export function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
