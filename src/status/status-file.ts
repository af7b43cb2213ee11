import { stringify } from 'yaml';
import { nameFromFile } from '../domain/manifest/rules.js';
import type { ClusterStatusView } from '../domain/status/types.js';
import type { ClusterRecord } from '../store/types.js';

/** What a status commit records for one cluster (`status/<name>.yaml`). */
export interface StatusDocument {
  id: string;
  name: string;
  /**
   * The owner id of the clusterops that wrote it (the VMs' clusterops-owner tag): what a new
   * instance on an empty store checks before it creates anything (DESIGN §3). Absent in files
   * written before it was recorded.
   */
  owner?: string;
  status: ClusterStatusView['status'];
  nodes: ClusterStatusView['nodes'];
  desiredNodes: number;
  conditions: { type: string; status: boolean; reason: string; message: string }[];
  lastError: string | null;
  observedRevision: string;
  updatedAt: string;
}

export function statusPath(name: string): string {
  return `status/${name}.yaml`;
}

/**
 * Which status file a cluster has: the stem of its manifest file (`status/web.yaml`, or
 * `status/web.org_b.yaml` for `clusters/web.org_b.yaml`), so two organizations' clusters of one
 * name never share (and overwrite) a status file.
 */
export function statusNameOf(record: Pick<ClusterRecord, 'name' | 'manifestFile'>): string {
  return record.manifestFile ? nameFromFile(record.manifestFile) : record.name;
}

/**
 * The part of a status a user cares about: a status commit is made only when this changes, so
 * a new revision alone (including the status commit itself) never causes another commit.
 */
export function statusFingerprint(doc: StatusDocument | null): string {
  if (!doc) return 'deleted';
  const { observedRevision: _r, updatedAt: _u, ...rest } = doc;
  return JSON.stringify(rest);
}

export function renderStatusFile(doc: StatusDocument): string {
  return `# Written by clusterops after each change of state; edits here are overwritten.\n${stringify(doc, { lineWidth: 0 })}`;
}

/** A one-line summary for the commit message: `running, 3/3 nodes running`. */
export function statusSummary(doc: StatusDocument | null): string {
  if (!doc) return 'deleted';
  const running = doc.nodes.filter((n) => n.status === 'running').length;
  return `${doc.status}, ${running}/${doc.desiredNodes} nodes running${doc.lastError ? ` (${truncate(doc.lastError, 80)})` : ''}`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
