import type { ClusterManifest } from './types.js';

/** The fields that make a cluster what it is: changing one would be a new cluster. */
export const IMMUTABLE_FIELDS = ['provider', 'region', 'orchestrator', 'organizationId'] as const;

export type ImmutableField = (typeof IMMUTABLE_FIELDS)[number];

/** What a cluster was created with (the store's record, or the base branch's manifest). */
export type ImmutableFacts = Pick<ClusterManifest, ImmutableField>;

/** One changed immutable field. */
export interface FieldChange {
  field: ImmutableField;
  from: string;
  to: string;
}

/**
 * The immutable fields `manifest` changes against what the cluster was created with. An
 * `organizationId` change is not listed when `transferTo` approves exactly that move
 * (`cluster.transfer`, an admin act of the source organization). Pure.
 */
export function diffImmutable(was: ImmutableFacts, manifest: ImmutableFacts, transferTo?: string): FieldChange[] {
  // A field the record does not know (made from VM tags alone) has nothing to keep.
  return IMMUTABLE_FIELDS.filter((field) => Boolean(was[field]) && was[field] !== manifest[field])
    .filter((field) => !(field === 'organizationId' && transferTo !== undefined && transferTo === manifest.organizationId))
    .map((field) => ({ field, from: was[field], to: manifest[field] }));
}

/**
 * The one message users see for changed immutable fields, e.g. "provider changed from hetzner to
 * aws: provider, region, orchestrator and organizationId cannot change; restore `provider:
 * hetzner` or create a new cluster".
 */
export function immutableMessage(changes: readonly FieldChange[]): string {
  const what = changes.map((c) => `${c.field} changed from ${c.from} to ${c.to}`).join(', ');
  const restore = changes.map((c) => `\`${c.field}: ${c.from}\``).join(', ');
  const org = changes.find((c) => c.field === 'organizationId');
  const move = org ? `; to move it to ${org.to}, an admin of ${org.from} calls cluster.transfer` : '';
  return `${what}: provider, region, orchestrator and organizationId cannot change; restore ${restore} or create a new cluster${move}`;
}
