import { isOrgAdmin } from '../../auth/access.js';
import type { Store } from '../../store/store.js';
import type { ClusterRecord } from '../../store/types.js';
import { ApiError } from '../errors.js';
import type { ManifestEdit } from '../../domain/manifest/edit.js';
import { readManifestId, readManifestOrganization } from '../../domain/manifest/parse.js';
import { manifestFiles } from '../../domain/manifest/rules.js';
import type { FileReader } from '../../sources/git-source.js';
import type { FileChange } from '../../sources/types.js';
import { commitWrite, editExisting, nameTaken } from './commit.js';
import type { Call, Outcome } from './deps.js';
import { resolveCluster } from './resolve.js';

/**
 * `cluster.transfer`: moves a cluster to another organization. Only an admin of the cluster's
 * current organization may (anyone else: 404 when they cannot see it, 403 when they can). The
 * approval is recorded in the store first, then the `organizationId` edit is committed as the
 * caller; the daemon accepts that edit only because the record holds the matching approval, and
 * uses it up. The manifest's `access:` grants are dropped: they name users of the old organization.
 * A manifest already moved in Git (the cluster is `error` for it) is approved without a new commit.
 */
export async function transferCluster(call: Call): Promise<Outcome> {
  const { principal, input, deps } = call;
  const cluster = resolveCluster(deps, principal, input.clusterId as string, 'manage');
  if (!isOrgAdmin(principal, cluster.organizationId)) {
    throw new ApiError('FORBIDDEN', `only an admin of ${cluster.organizationId} may move cluster ${cluster.name} to another organization`);
  }
  const to = input.organizationId as string;
  if (to === cluster.organizationId) throw new ApiError('UNPROCESSABLE_CONTENT', `cluster ${cluster.name} already belongs to ${to}`, 'organizationId');
  if (!(await deps.organizationExists(to))) throw new ApiError('NOT_FOUND', `organization ${to} not found`, 'organizationId');
  if (!cluster.manifest && !cluster.invalid) throw new ApiError('UNPROCESSABLE_CONTENT', `cluster ${cluster.name} is being deleted`);
  const approval = { to, by: principal.userId, at: deps.now().toISOString() };
  if (cluster.record) await setTransfer(deps.store, cluster.id, approval);
  try {
    const edits: ManifestEdit[] = [
      { op: 'set', field: 'organizationId', value: to },
      { op: 'unset', field: 'access' },
    ];
    // Resolved above: a cluster with a manifest (valid or invalid) always has its file.
    const file = cluster.file!;
    const edit = async (read: FileReader) => moveFile(await editExisting(cluster.id, file, edits)(read), file, await transferTarget(read, { id: cluster.id, name: cluster.name, file }, to));
    // Nothing to commit (Git already names `to`): the snapshot is the same, so look at it again.
    if (!(await commitWrite(call, `cluster.transfer: ${cluster.name} from ${cluster.organizationId} to ${to}`, edit))) await deps.reevaluate();
  } catch (err) {
    // Refused or not pushed: an approval left behind would let a later Git edit move the cluster.
    if (cluster.record) await setTransfer(deps.store, cluster.id, undefined, approval);
    throw err;
  }
  return { status: 200, data: { clusterId: cluster.id, organizationId: to } };
}

/** Sets the record's approval, or clears it when it is still `expected` (never someone else's newer one). */
async function setTransfer(store: Store, id: string, approval: ClusterRecord['transfer'], expected?: ClusterRecord['transfer']): Promise<void> {
  await store.update((d) => {
    const rec = d.clusters[id];
    if (!rec) return;
    if (approval) rec.transfer = approval;
    else if (JSON.stringify(rec.transfer) === JSON.stringify(expected)) delete rec.transfer;
  });
}

/**
 * The file the cluster lives in once it belongs to `to` (names are per organization, DESIGN §6):
 * its plain `clusters/<name>.yaml` stays; a file suffixed with the old organization moves to the
 * plain one when free, else to `<name>.<to>.yaml`. A cluster of that name in `to` is a conflict.
 */
async function transferTarget(read: FileReader, cluster: { id: string; name: string; file: string }, to: string): Promise<string> {
  const [plain, scoped] = manifestFiles(cluster.name, to);
  const texts = await Promise.all([read(plain), read(scoped)]);
  if (texts.some((t) => t !== undefined && readManifestId(t) !== cluster.id && readManifestOrganization(t) === to)) throw nameTaken(cluster.name);
  return cluster.file === plain || texts[0] === undefined ? plain : scoped;
}

/** The edited manifest at `target` instead of `file` (the edit's changes are for `file`). */
function moveFile(changes: FileChange[], file: string, target: string): FileChange[] {
  if (target === file) return changes;
  const content = changes.find((c) => c.path === file)?.content;
  return content ? [{ path: file, content: null }, { path: target, content }] : changes;
}
