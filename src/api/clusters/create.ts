import { stringify } from 'yaml';
import { canCreateIn } from '../../auth/access.js';
import type { NodeGroup, Orchestrator, Provider } from '../../domain/manifest/types.js';
import { ApiError } from '../errors.js';
import { assertValid, commitWrite, manifestPath, nameTaken } from './commit.js';
import type { Call, Outcome } from './deps.js';
import type { ApiCluster } from './view.js';

/**
 * `cluster.create`: adds `clusters/<name>.yaml` with a fresh id. A member (not admin) who
 * creates a cluster is granted `manage` on it in the manifest, so they can keep managing it.
 */
export async function createCluster(call: Call): Promise<Outcome> {
  const { principal, input, deps } = call;
  const organizationId = input.organizationId as string;
  if (!canCreateIn(principal, organizationId)) throw new ApiError('NOT_FOUND', 'organization not found', 'organizationId');
  const name = input.name as string;
  if ([...deps.desired().entries.values()].some((e) => (e.kind === 'valid' ? e.manifest.name : e.name) === name)) throw nameTaken(name);
  const id = deps.newClusterId();
  const admin = principal.memberships.some((m) => m.organizationId === organizationId && m.role === 'admin');
  const manifest = {
    apiVersion: 'clusterops/v1',
    id,
    organizationId,
    name,
    provider: input.provider,
    region: input.region,
    orchestrator: input.orchestrator,
    nodes: (input.nodes as NodeGroup[]).map(({ role, plan, count }) => ({ role, plan, count })),
    ...(admin ? {} : { access: [{ userId: principal.userId, permission: 'manage' }] }),
  };
  const text = `# yaml-language-server: $schema=../schemas/cluster.schema.json\n# Created through the Clusters API by ${principal.userId}.\n${stringify(manifest, { lineWidth: 0 })}`;
  assertValid(manifestPath(name), text);
  await commitWrite(call, `cluster.create: ${name} (${String(input.provider)} ${String(input.region)}, ${String(input.orchestrator)})`, async (read) => {
    if ((await read(manifestPath(name))) !== undefined) throw nameTaken(name);
    return [{ path: manifestPath(name), content: text }];
  });
  const data: ApiCluster = {
    id,
    name,
    provider: input.provider as Provider,
    region: input.region as string,
    orchestrator: input.orchestrator as Orchestrator,
    status: 'provisioning',
    nodeCount: manifest.nodes.reduce((n, g) => n + g.count, 0),
    createdAt: deps.now().toISOString(),
  };
  return { status: 201, data };
}
