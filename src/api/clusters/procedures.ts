import { grantAccess, revokeAccess } from './access.js';
import { confirmDeletion } from './confirm.js';
import { createCluster } from './create.js';
import type { Call, Outcome } from './deps.js';
import { transferCluster } from './transfer.js';
import { getCluster, listAccess, listClusters, listNodes } from './reads.js';
import { addNode, removeCluster, removeNode, updateCluster } from './writes.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One procedure of the Clusters API (docs/clusters-api.txt). */
export interface Procedure {
  method: HttpMethod;
  summary: string;
  /** The status of a successful call. */
  success: 200 | 201 | 204;
  run: (call: Call) => Promise<Outcome>;
}

/**
 * The seed's eleven procedures with the seed's methods, plus two additions: `cluster.confirmDeletion`
 * (the mass-deletion guard's confirmation) and `cluster.transfer` (moving a cluster between
 * organizations is an admin act, never a Git edit alone). Reads take query parameters, writes a JSON body.
 */
export const PROCEDURES: Record<string, Procedure> = {
  'cluster.all': { method: 'GET', summary: 'List all clusters in the organization', success: 200, run: listClusters },
  'cluster.one': { method: 'GET', summary: 'Get cluster details', success: 200, run: getCluster },
  'cluster.create': { method: 'POST', summary: 'Provision a new cluster', success: 201, run: createCluster },
  'cluster.update': { method: 'PATCH', summary: 'Update cluster settings', success: 200, run: updateCluster },
  'cluster.remove': { method: 'DELETE', summary: 'Destroy a cluster', success: 204, run: removeCluster },
  'cluster.nodes': { method: 'GET', summary: 'List nodes in a cluster', success: 200, run: listNodes },
  'cluster.addNode': { method: 'POST', summary: 'Add a node to a cluster', success: 200, run: addNode },
  'cluster.removeNode': { method: 'DELETE', summary: 'Remove a node from a cluster', success: 200, run: removeNode },
  'cluster.grantAccess': { method: 'POST', summary: 'Grant user access to a cluster', success: 200, run: grantAccess },
  'cluster.listAccess': { method: 'GET', summary: 'List cluster access permissions', success: 200, run: listAccess },
  'cluster.revokeAccess': { method: 'DELETE', summary: 'Revoke user access', success: 204, run: revokeAccess },
  'cluster.confirmDeletion': { method: 'POST', summary: 'Confirm a deletion held by the mass-deletion guard (org admins)', success: 200, run: confirmDeletion },
  'cluster.transfer': { method: 'POST', summary: 'Move a cluster to another organization (admins of its organization only)', success: 200, run: transferCluster },
};
