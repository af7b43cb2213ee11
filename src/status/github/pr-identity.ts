import { diffImmutable, immutableMessage } from '../../domain/manifest/immutable.js';
import type { LoadedCluster, RepositoryLoad } from '../../domain/manifest/repository.js';
import type { PlanError } from '../../domain/plan/index.js';
import { planCluster, type Plan } from '../../domain/plan/index.js';
import { actualFromRecord as actualOf } from '../../reconcile/actual.js';
import type { ClusterRecord } from '../../store/types.js';

/**
 * How one changed manifest at the head of a pull request relates to the clusters the base
 * branch and the store know, compared by id (never by name): the id its plan is for, the
 * cluster it would replace, and why its plan must be refused.
 */
export interface HeadIdentity {
  /** The cluster id the manifest is (or will be, once restored); undefined for a new cluster. */
  id?: string;
  /** The `id:` line was removed: clusterops commits this id back on merge. */
  restored?: string;
  /** The base branch has another cluster of this name, under another id, that the head no longer holds: it is deleted. */
  replaces?: { id: string; cluster: LoadedCluster };
  /** A changed immutable field: the plan is refused. */
  error?: PlanError;
}

export interface IdentityScope {
  base: RepositoryLoad;
  /** Every id the head still holds (valid, invalid or misplaced manifests). */
  headIds: ReadonlySet<string>;
  records: readonly ClusterRecord[];
}

/** Pure: see `HeadIdentity`. */
export function identifyHead(c: LoadedCluster, scope: IdentityScope): HeadIdentity {
  const { name } = c.manifest;
  // By name across organizations, as the daemon restores a removed id: a head that also claims
  // another organization then plans as an immutable-field error, never as a delete + create.
  const baseNamed = scope.base.clusters.find((b) => b.manifest.name === name && b.manifest.id !== undefined && !scope.headIds.has(b.manifest.id));
  const out: HeadIdentity = {};
  if (!c.manifest.id) {
    const restored = baseNamed?.manifest.id ?? scope.records.find((r) => r.name === name && !scope.headIds.has(r.id) && r.status?.status !== 'deleting')?.id;
    if (restored) Object.assign(out, { id: restored, restored });
  } else {
    out.id = c.manifest.id;
    if (baseNamed) out.replaces = { id: baseNamed.manifest.id!, cluster: baseNamed };
  }
  const error = out.id === undefined ? undefined : immutableError(c, out.id, scope);
  return error ? { ...out, error } : out;
}

/** The record of a cluster, else its manifest on the base branch, is what it was created with. */
function immutableError(c: LoadedCluster, id: string, scope: IdentityScope): PlanError | undefined {
  const record = scope.records.find((r) => r.id === id && !r.orphan);
  const was = record ?? scope.base.clusters.find((b) => b.manifest.id === id)?.manifest;
  if (!was) return undefined;
  const changes = diffImmutable(was, c.manifest, record?.transfer?.to);
  return changes.length > 0 ? { reason: 'ImmutableFieldChanged', message: immutableMessage(changes) } : undefined;
}

/** The organization whose readers may see this plan: the one the cluster belongs to now, not what the head claims. */
export function ownerOf(c: LoadedCluster, identity: HeadIdentity, scope: IdentityScope): string {
  const record = identity.id ? scope.records.find((r) => r.id === identity.id && !r.orphan) : undefined;
  const base = identity.id ? scope.base.clusters.find((b) => b.manifest.id === identity.id) : undefined;
  return record?.organizationId ?? base?.manifest.organizationId ?? c.manifest.organizationId;
}

/** How a plan's warnings start when its manifest's `id:` line was removed. */
export const RESTORED_NOTE = '`id:` was removed:';

/** A changed manifest's plan, against the record of its id (none for a new cluster). */
export function headPlan(c: LoadedCluster, identity: HeadIdentity, records: readonly ClusterRecord[]): Plan {
  const record = identity.id ? records.find((r) => r.id === identity.id) : undefined;
  const plan = planCluster({ clusterId: identity.id ?? '(assigned on apply)', clusterName: c.manifest.name, desired: c.manifest, actual: actualOf(record) });
  if (identity.error) return { ...plan, actions: [], errors: [identity.error] };
  if (!identity.restored) return plan;
  const note = `${RESTORED_NOTE} on merge clusterops commits \`id: ${identity.restored}\` back, and the cluster keeps its nodes (nothing is recreated)`;
  return { ...plan, warnings: [note, ...plan.warnings] };
}
