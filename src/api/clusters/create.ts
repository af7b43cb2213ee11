import { stringify } from 'yaml';
import { canCreateIn } from '../../auth/access.js';
import type { NodeGroup, Orchestrator, Provider } from '../../domain/manifest/types.js';
import { ApiError } from '../errors.js';
import { assertValid, commitWrite, manifestPath, manifestPathFor, nameTaken } from './commit.js';
import type { Call, Outcome } from './deps.js';
import { knownClusters, type ApiCluster } from './view.js';

/**
 * `cluster.create`: adds `clusters/<name>.yaml` with a fresh id (`clusters/<name>.<organizationId>.yaml`
 * when another organization holds the plain file: names are per organization). A member (not admin) who
 * creates a cluster is granted `manage` on it in the manifest, so they can keep managing it.
 */
export async function createCluster(call: Call): Promise<Outcome> {
  const { principal, input, deps } = call;
  const organizationId = input.organizationId as string;
  if (!canCreateIn(principal, organizationId)) throw new ApiError('NOT_FOUND', 'organization not found', 'organizationId');
  const name = input.name as string;
  // Names are per organization (DESIGN §6): only the caller's own organization can make it 409.
  if (knownClusters(deps.desired(), deps.store).some((c) => c.organizationId === organizationId && c.name === name)) throw nameTaken(name);
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
  // Validated as the plain file, so no message depends on which file the name ends up in.
  assertValid(manifestPath(name), text);
  await commitWrite(call, `cluster.create: ${name} (${String(input.provider)} ${String(input.region)}, ${String(input.orchestrator)})`, async (read) => [{ path: await manifestPathFor(read, name, organizationId), content: text }]);
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
