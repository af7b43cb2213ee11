import { parse } from 'yaml';
import type { ManifestEdit } from '../../domain/manifest/edit.js';
import { readManifestId } from '../../domain/manifest/parse.js';
import type { NodeGroup, PlanName, Role } from '../../domain/manifest/types.js';
import { ApiError, notFound } from '../errors.js';
import { commitWrite, editExisting } from './commit.js';
import type { Call, Outcome } from './deps.js';
import { resolveCluster, writableCluster, type WritableCluster } from './resolve.js';
import { toApiCluster, toApiClusterDetail, type KnownCluster } from './view.js';

const FIXED = ['provider', 'region', 'orchestrator', 'organizationId'] as const;

/** `cluster.update`: rename (the file moves, the id stays, nothing is recreated) and/or replace the node groups. */
export async function updateCluster(call: Call): Promise<Outcome> {
  const { principal, input, deps } = call;
  const cluster = writableCluster(deps, principal, input.clusterId as string);
  for (const field of FIXED) {
    if (input[field] !== undefined && input[field] !== cluster.manifest[field]) {
      throw new ApiError('UNPROCESSABLE_CONTENT', `${field} cannot change (${String(cluster.manifest[field])} → ${String(input[field])}): that would be a new cluster; create one instead`, field);
    }
  }
  const name = (input.name as string | undefined) ?? cluster.name;
  const edits: ManifestEdit[] = [...(name !== cluster.name ? [{ op: 'set' as const, field: 'name' as const, value: name }] : []), ...groupEdits(cluster, input.nodes as NodeGroup[] | undefined)];
  const rename = name !== cluster.name ? { name, organizationId: cluster.organizationId } : undefined;
  await commitWrite(call, `cluster.update: ${cluster.name}${rename ? ` → ${name}` : ''}`, editExisting(cluster.id, cluster.file, edits, rename));
  // The cluster as it will be: new name, and the new node groups when they were given.
  const nodes = (input.nodes as NodeGroup[] | undefined) ?? cluster.manifest.nodes;
  return { status: 200, data: toApiCluster({ ...cluster, name, manifest: { ...cluster.manifest, name, nodes } }, deps.now, 'updating') };
}

function groupEdits(cluster: KnownCluster & { manifest: NonNullable<KnownCluster['manifest']> }, nodes: NodeGroup[] | undefined): ManifestEdit[] {
  if (!nodes) return [];
  const key = (g: { role: Role; plan: PlanName }) => `${g.role}/${g.plan}`;
  const wanted = new Set(nodes.map(key));
  if (wanted.size !== nodes.length) throw new ApiError('BAD_REQUEST', 'nodes lists the same role and plan twice; give one group per role and plan', 'nodes');
  return [
    ...cluster.manifest.nodes.filter((g) => !wanted.has(key(g))).map((g) => ({ op: 'removeGroup' as const, role: g.role, plan: g.plan })),
    ...nodes.map((g) => ({ op: 'setGroupCount' as const, role: g.role, plan: g.plan, count: g.count })),
  ];
}

/** `cluster.remove`: deletes the manifest; the reconciler then drains and deletes every node. */
export async function removeCluster(call: Call): Promise<Outcome> {
  const cluster = resolveCluster(call.deps, call.principal, call.input.clusterId as string, 'manage');
  if (!cluster.manifest && !cluster.invalid) return { status: 204 };
  const file = cluster.file;
  if (file === undefined) return { status: 204 };
  await commitWrite(call, `cluster.remove: ${cluster.name}`, async (read) => {
    const text = await read(file);
    if (text === undefined) return [];
    // Only this cluster's file: another id there (a reused name, a move since the snapshot) is not ours to delete.
    const id = readManifestId(text);
    if (id !== undefined && id !== cluster.id) throw new ApiError('CONFLICT', `${file} now holds another cluster; reload and try again`);
    return [{ path: file, content: null }];
  });
  return { status: 204 };
}

/** `cluster.addNode`: grows the group of that role and plan by one (adding the group if needed). */
export async function addNode(call: Call): Promise<Outcome> {
  const { principal, input, deps } = call;
  const cluster = writableCluster(deps, principal, input.clusterId as string);
  const role = input.role as Role;
  const plan = input.plan as PlanName;
  await commitWrite(call, `cluster.addNode: ${cluster.name} +1 ${role} (${plan})`, async (read) => {
    const current = await currentCount(read, cluster, role, plan);
    return editExisting(cluster.id, cluster.file, [{ op: 'setGroupCount', role, plan, count: current + 1 }])(read);
  });
  return { status: 200, data: toApiClusterDetail(bump(cluster, role, plan, 1), deps.now, 'updating') };
}

/** `cluster.removeNode`: shrinks the node's group by one and lists the node under `remove:` so exactly it goes. */
export async function removeNode(call: Call): Promise<Outcome> {
  const { principal, input, deps } = call;
  const cluster = writableCluster(deps, principal, input.clusterId as string);
  const nodeId = input.nodeId as string;
  const node = cluster.record?.status?.nodes.find((n) => n.id === nodeId);
  if (!node) throw notFound('node');
  if (node.status === 'deleting' || node.status === 'draining') throw new ApiError('CONFLICT', `${nodeId} is already being removed`);
  const group = cluster.manifest.nodes.find((g) => g.role === node.role && g.plan === node.plan);
  if (!group || group.count === 0) throw new ApiError('UNPROCESSABLE_CONTENT', `${nodeId} (${node.role}, ${node.plan}) is already leaving: its group is being replaced or emptied`);
  await commitWrite(call, `cluster.removeNode: ${cluster.name} -${nodeId}`, async (read) => {
    const current = await currentCount(read, cluster, node.role, node.plan);
    return editExisting(cluster.id, cluster.file, [
      { op: 'setGroupCount', role: node.role, plan: node.plan, count: Math.max(0, current - 1) },
      { op: 'appendRemove', role: node.role, plan: node.plan, nodeId },
    ])(read);
  });
  return { status: 200, data: toApiClusterDetail(bump(cluster, node.role, node.plan, -1), deps.now, 'updating') };
}

/** The group's count at the head being edited (not the snapshot), so concurrent adds all count. */
async function currentCount(read: (p: string) => Promise<string | undefined>, cluster: WritableCluster, role: Role, plan: PlanName): Promise<number> {
  const text = await read(cluster.file);
  const nodes = text === undefined ? [] : ((parse(text) as { nodes?: NodeGroup[] } | null)?.nodes ?? []);
  return nodes.find((g) => g.role === role && g.plan === plan)?.count ?? 0;
}

function bump(cluster: KnownCluster & { manifest: NonNullable<KnownCluster['manifest']> }, role: Role, plan: PlanName, by: number): KnownCluster {
  const nodes = cluster.manifest.nodes.some((g) => g.role === role && g.plan === plan)
    ? cluster.manifest.nodes.map((g) => (g.role === role && g.plan === plan ? { ...g, count: Math.max(0, g.count + by) } : g))
    : [...cluster.manifest.nodes, { role, plan, count: Math.max(0, by) }];
  return { ...cluster, manifest: { ...cluster.manifest, nodes } };
}
