import type { AccessGrant, ClusterManifest, Orchestrator, Provider } from '../../domain/manifest/types.js';
import type { ClusterStatus, NodeView } from '../../domain/status/types.js';
import type { DesiredState } from '../../reconcile/desired.js';
import type { Store } from '../../store/store.js';
import type { ClusterRecord } from '../../store/types.js';

/** A cluster as the API knows it: the manifest in Git (desired) merged with the last observed state. */
export interface KnownCluster extends Pick<ClusterRecord, 'id' | 'name' | 'organizationId' | 'provider' | 'region' | 'orchestrator'> {
  /** Present when the manifest is in Git and valid. */
  manifest?: ClusterManifest & { id: string };
  /** The validation message when the manifest in Git is invalid. */
  invalid?: string;
  /** The manifest's path in Git (`clusters/<name>.yaml` or `clusters/<name>.<organizationId>.yaml`) while it has one. */
  file?: string;
  record?: ClusterRecord;
  access: AccessGrant[];
}

/** The seed's cluster shape (`cluster.all`). */
export interface ApiCluster {
  id: string;
  name: string;
  provider: Provider;
  region: string;
  orchestrator: Orchestrator;
  status: ClusterStatus;
  nodeCount: number;
  createdAt: string;
}

/** A node as the seed shows it (`cluster.one`, `cluster.nodes`): exactly these fields, in this order. */
/** The seed's node fields, then the orchestrator's view of the node (an addition to the seed). */
export type ApiNode = Pick<NodeView, 'id' | 'role' | 'plan' | 'ip' | 'status'> & { orchestratorStatus: NonNullable<NodeView['orchestratorStatus']> };

/** `cluster.one`: the cluster with its nodes. */
export interface ApiClusterDetail extends ApiCluster {
  nodes: ApiNode[];
}

/** Every cluster: those in Git (valid or not) and those whose manifest is gone but whose VMs are still being deleted. */
export function knownClusters(desired: DesiredState, store: Store): KnownCluster[] {
  const out: KnownCluster[] = [];
  for (const id of desired.entries.keys()) {
    const c = knownCluster(desired, store, id);
    if (c) out.push(c);
  }
  for (const record of store.clusters()) if (!desired.entries.has(record.id) && !record.orphan) out.push(fromRecord(record));
  return out.sort((a, b) => byName.compare(a.name, b.name));
}

/** One cluster as `knownClusters` lists it, without building the whole list (a read of one cluster is O(1)). */
export function knownCluster(desired: DesiredState, store: Store, id: string): KnownCluster | undefined {
  const entry = desired.entries.get(id);
  const record = store.cluster(id);
  if (entry?.kind === 'valid') {
    const m = entry.manifest;
    return { id, name: m.name, organizationId: m.organizationId, provider: m.provider, region: m.region, orchestrator: m.orchestrator, manifest: m, file: entry.file, access: m.access ?? [], ...(record ? { record } : {}) };
  }
  if (!record) return undefined;
  // An invalid entry's name may be its file's stem (`<name>.<organizationId>`); its file is the one it was read from.
  if (entry) return { ...fromRecord(record), name: entry.name.split('.')[0]!, invalid: entry.message, file: entry.file };
  return record.orphan ? undefined : fromRecord(record);
}

/** The order of `localeCompare`, without building a collator per comparison. */
const byName = new Intl.Collator();

function fromRecord(record: ClusterRecord): KnownCluster {
  const { id, name, organizationId, provider, region, orchestrator } = record;
  return { id, name, organizationId, provider, region, orchestrator, record, access: [] };
}

/** The status users see: what the last pass derived, or what a pending change means. */
export function statusOf(c: KnownCluster): ClusterStatus {
  if (c.invalid) return 'error';
  if (!c.manifest) return c.record?.status?.status === 'error' ? 'error' : 'deleting';
  return c.record?.status?.status ?? 'provisioning';
}

export function toApiCluster(c: KnownCluster, now: () => Date, status: ClusterStatus = statusOf(c)): ApiCluster {
  const desired = c.manifest ? c.manifest.nodes.reduce((n, g) => n + g.count, 0) : (c.record?.status?.nodes.length ?? 0);
  return {
    id: c.id,
    name: c.name,
    provider: c.provider,
    region: c.region,
    orchestrator: c.orchestrator,
    status,
    nodeCount: desired,
    createdAt: c.record?.createdAt ?? now().toISOString(),
  };
}

export function toApiClusterDetail(c: KnownCluster, now: () => Date, status?: ClusterStatus): ApiClusterDetail {
  const { createdAt, ...base } = toApiCluster(c, now, status);
  // Key order as in the seed: nodes come just before createdAt.
  return { ...base, nodes: toApiNodes(c), createdAt };
}

/**
 * The nodes as last observed: the seed's fields in the seed's order, then `orchestratorStatus`
 * (`ready`, `not-ready`, `draining`, `not-joined`) so API users see whether a VM has joined.
 */
export function toApiNodes(c: KnownCluster): ApiNode[] {
  return (c.record?.status?.nodes ?? []).map(({ id, role, plan, ip, status, orchestratorStatus }) => ({ id, role, plan, ip, status, orchestratorStatus: orchestratorStatus ?? 'not-joined' }));
}
