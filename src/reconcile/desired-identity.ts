import { diffImmutable, immutableMessage, type ImmutableFacts } from '../domain/manifest/immutable.js';
import type { LoadedCluster, RepositoryLoad } from '../domain/manifest/repository.js';
import { formatDiagnostic } from '../domain/manifest/repository.js';
import type { DesiredEntry } from './types.js';

/**
 * What the store remembers of a cluster that each revision is checked against: the immutable
 * fields it was created with, an approved organization transfer, and whether its deletion is
 * already under way.
 */
export interface RecordFacts extends ImmutableFacts {
  /** `cluster.transfer` approved a move to this organization (DESIGN §6). */
  transferTo?: string;
  /** Its manifest was removed and its VMs are being deleted: a new manifest of that name is a new cluster. */
  deleting?: boolean;
  /** The manifest file it was last applied from. */
  file?: string;
}

/** How long a `cluster.transfer` approval stays good: its commit lands within seconds; a stale one must not let a later Git edit through. */
export const TRANSFER_APPROVAL_MS = 60 * 60_000;

/** The organization an approval (`cluster.transfer`) lets a cluster move to now, if it is still fresh. Pure. */
export function approvedTransfer(transfer: { to: string; at: string } | undefined, now: number): string | undefined {
  if (!transfer) return undefined;
  const age = now - Date.parse(transfer.at);
  return age >= 0 && age < TRANSFER_APPROVAL_MS ? transfer.to : undefined;
}

/** A manifest whose `id:` line was removed: the id it gets back (committed by the daemon). */
export interface IdRestore {
  file: string;
  name: string;
  id: string;
}

export interface IdentityInput {
  /** Clusters the store knows: id → name. */
  known: ReadonlyMap<string, string>;
  records?: ReadonlyMap<string, RecordFacts>;
  /** The source can commit (Git, not `serve --local`): removed ids are restored rather than reported. */
  canRestoreIds?: boolean;
}

type Entries = Map<string, DesiredEntry>;
type Hash = (text: string) => string;

/**
 * A valid manifest whose id differs in an immutable field from the cluster the store knows
 * becomes `invalid` (no action on its VMs); an organization move passes only with an approval.
 */
export function checkImmutableFields(entries: Entries, input: IdentityInput, hash: Hash): void {
  for (const [id, entry] of entries) {
    const was = input.records?.get(id);
    if (entry.kind !== 'valid' || !was) continue;
    const changes = diffImmutable(was, entry.manifest, was.transferTo);
    if (changes.length === 0) continue;
    const message = `${entry.manifest.name}: ${immutableMessage(changes)}`;
    entries.set(id, { kind: 'invalid', name: entry.manifest.name, message, hash: hash(message), file: entry.file });
  }
}

/**
 * Manifests without an id. One whose name is that of a known cluster no manifest of this
 * revision carries (its `id:` line was removed) gets that id back and nothing else happens to the
 * cluster until the restoring commit lands; when the id cannot be restored (read-only source, or
 * two such clusters) the cluster is `invalid` and the manifest gets no new id. The others are new
 * clusters (`fresh`).
 */
export function restoreRemovedIds(unassigned: readonly LoadedCluster[], entries: Entries, input: IdentityInput, hash: Hash): { fresh: LoadedCluster[]; restores: IdRestore[] } {
  const fresh: LoadedCluster[] = [];
  const restores: IdRestore[] = [];
  for (const c of unassigned) {
    const name = c.manifest.name;
    const candidates = [...input.known].filter(([id, n]) => n === name && !entries.has(id) && sameCluster(input.records?.get(id), c)).map(([id]) => id);
    if (candidates.length === 0) {
      fresh.push(c);
      continue;
    }
    if (candidates.length === 1 && input.canRestoreIds) {
      const id = candidates[0]!;
      restores.push({ file: c.file, name, id });
      const message = `${c.file}: id removed; clusterops commits \`id: ${id}\` back`;
      entries.set(id, { kind: 'invalid', name, message, hash: hash(message), file: c.file, pending: true });
      continue;
    }
    for (const id of candidates) {
      const restore = candidates.map((x) => `\`id: ${x}\``).join(' or ');
      const why = candidates.length > 1 ? ` (${candidates.length} known clusters were named ${name})` : '';
      const message = `${c.file}: id removed; restore ${restore}${why}`;
      entries.set(id, { kind: 'invalid', name, message, hash: hash(message), file: c.file });
    }
  }
  return { fresh, restores };
}

/**
 * Whether a manifest without an id can be the known cluster of its name. Names are per
 * organization: another organization's cluster is a candidate only when this is the very file it
 * was applied from (its `organizationId` was edited too: that is then an immutable-field error,
 * never a delete + create). A cluster being deleted is not a candidate: its name is free again.
 */
function sameCluster(was: RecordFacts | undefined, c: LoadedCluster): boolean {
  if (!was) return true;
  if (was.deleting) return false;
  return was.organizationId === c.manifest.organizationId || was.file === c.file;
}

/**
 * While any file under `clusters/` has an error (layout, syntax or validation), a revision
 * deletes nothing: a moved, renamed or broken manifest must never read as "cluster removed".
 * Returns the hold message for each gone cluster, or null when the revision is clean.
 */
export function holdWhileInvalid(gone: readonly string[], load: RepositoryLoad): Map<string, string> | null {
  if (load.invalid.length === 0 || gone.length === 0) return null;
  const errors = load.diagnostics.filter((d) => d.severity === 'error');
  const shown = errors.slice(0, 3).map(formatDiagnostic).join('; ');
  const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
  const message = `deletion held back: clusters/ has errors, and no cluster is deleted while it does; fix them first: ${shown}${more}`;
  return new Map(gone.map((id) => [id, message]));
}
