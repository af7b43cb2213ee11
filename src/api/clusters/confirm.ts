import { isOrgAdmin } from '../../auth/access.js';
import { ApiError } from '../errors.js';
import type { Call, Outcome } from './deps.js';
import { resolveCluster } from './resolve.js';
import { toApiCluster } from './view.js';

/** The shortest revision prefix accepted, as Git's default abbreviation. */
const MIN_PREFIX = 7;

/**
 * `cluster.confirmDeletion`: an admin of the cluster's organization releases its deletion held by
 * the mass-deletion guard, for the revision the hold names (the full id or a prefix of at least 7
 * characters). Anyone else gets what the access rules answer (404 for a cluster they cannot
 * read, 403 for one they may read); a cluster that is not held, or another revision, is 409.
 * Records `{revision, by, at}` and an event; the daemon then deletes exactly this cluster.
 */
export async function confirmDeletion(call: Call): Promise<Outcome> {
  const { principal, input, deps } = call;
  const cluster = resolveCluster(deps, principal, input.clusterId as string, 'read');
  if (!isOrgAdmin(principal, cluster.organizationId)) {
    throw new ApiError('FORBIDDEN', `only an admin of ${cluster.organizationId} may confirm the deletion of ${cluster.name}`);
  }
  const desired = deps.desired();
  const held = desired.holds.get(cluster.id);
  if (held === undefined || !cluster.record) {
    throw new ApiError('CONFLICT', `the deletion of ${cluster.name} is not held${cluster.manifest || cluster.invalid ? ': its manifest is in Git' : ''}; there is nothing to confirm`, 'clusterId');
  }
  const given = input.revision as string;
  if (given.length < MIN_PREFIX || !held.startsWith(given)) {
    throw new ApiError('CONFLICT', `the deletion of ${cluster.name} is held for revision ${held}, not ${given}; check the cluster's status and confirm that revision`, 'revision');
  }
  const at = deps.now().toISOString();
  const by = principal.userId;
  const already = cluster.record.deletionConfirmation?.revision === held;
  if (!already) {
    await deps.store.update((d) => {
      const r = d.clusters[cluster.id];
      if (r) r.deletionConfirmation = { revision: held, by, at };
    });
    await deps.store.addEvent(cluster.id, { type: 'info', message: `deletion confirmed by ${by} for revision ${held}` }, at);
    // The daemon takes in the confirmation at once (it builds the desired state again).
    await deps.afterWrite();
  }
  return { status: 200, data: toApiCluster(cluster, deps.now, 'deleting') };
}
