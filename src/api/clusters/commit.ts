import { editManifest, type ManifestEdit } from '../../domain/manifest/edit.js';
import { parseManifest, readManifestId, readManifestOrganization } from '../../domain/manifest/parse.js';
import { manifestFiles } from '../../domain/manifest/rules.js';
import { GitSourceError } from '../../sources/git-errors.js';
import type { FileReader } from '../../sources/git-source.js';
import type { FileChange } from '../../sources/types.js';
import { ApiError } from '../errors.js';
import type { Call } from './deps.js';

export const manifestPath = (name: string): string => `clusters/${name}.yaml`;

/**
 * Where a cluster named `name` of `organizationId` goes at the head being edited (names are per
 * organization, DESIGN §6): `clusters/<name>.yaml` when free, else the organization's own
 * `clusters/<name>.<organizationId>.yaml`. Only a cluster of the same organization makes it 409, so
 * the answer never tells whether another organization uses the name.
 */
export async function manifestPathFor(read: FileReader, name: string, organizationId: string): Promise<string> {
  const [plain, scoped] = manifestFiles(name, organizationId);
  const held = await read(plain);
  if (held === undefined) return plain;
  // A plain file whose organization cannot be read is treated as another's: the scoped file is ours alone.
  if (readManifestOrganization(held) === organizationId || (await read(scoped)) !== undefined) throw nameTaken(name);
  return scoped;
}

/** A rename: the new name, and the organization whose namespace it is in. */
export interface Rename {
  name: string;
  organizationId: string;
}

/**
 * Commits one API write as the calling user and pushes it. `edit` runs on the branch's latest
 * head, again after every lost race, so concurrent writers never lose an update; it throws an
 * ApiError to refuse (nothing is committed then). Resolves once the daemon has the revision, with
 * whether there was anything to commit.
 */
export async function commitWrite(call: Call, message: string, edit: (read: FileReader) => Promise<FileChange[]>): Promise<boolean> {
  const { deps, principal } = call;
  if (!deps.commit) throw new ApiError('UNPROCESSABLE_CONTENT', 'this clusterops watches a local working tree; writes need a Git repository (serve --repo)');
  const result = await deps
    .commit({
      message,
      author: { name: principal.userId, email: `${principal.userId}@users.clusterops.invalid` },
      edit,
    })
    .catch((err: unknown) => {
      // Every attempt lost the race to other writers: a client can retry, nothing broke inside.
      if (err instanceof GitSourceError && err.reason === 'PushRejected') {
        throw new ApiError('CONFLICT', 'the repository kept changing while this change was being committed; nothing was committed, try again');
      }
      // The tracked branch does not exist yet (an empty remote): nothing to edit until someone pushes it.
      if (err instanceof GitSourceError && ['EmptyRemote', 'BranchNotFound', 'NotOpen'].includes(err.reason)) {
        throw new ApiError('UNPROCESSABLE_CONTENT', 'the repository has no tracked branch yet; push a first commit, then try again');
      }
      throw err;
    });
  if ('refused' in result) throw new ApiError('CONFLICT', result.refused);
  if (!('revision' in result)) return false;
  await deps.afterWrite();
  return true;
}

/**
 * An edit of an existing manifest: reads it at the head, checks it is still the same cluster,
 * applies the edits (comments kept), validates the result with the manifest validator, and
 * moves the file when the cluster is renamed.
 */
export function editExisting(clusterId: string, file: string, edits: ManifestEdit[], rename?: Rename) {
  return async (read: FileReader): Promise<FileChange[]> => {
    const text = await read(file);
    if (text === undefined || readManifestId(text) !== clusterId) {
      throw new ApiError('CONFLICT', `cluster ${rename ? 'being renamed' : file} was renamed or removed by another change; reload and try again`);
    }
    const target = rename ? await manifestPathFor(read, rename.name, rename.organizationId) : file;
    const edited = editManifest(text, edits);
    if (!edited.ok) throw new ApiError('UNPROCESSABLE_CONTENT', edited.message);
    assertValid(target, edited.text);
    if (!edited.changed && target === file) return [];
    return target === file
      ? [{ path: file, content: edited.text }]
      : [
          { path: file, content: null },
          { path: target, content: edited.text },
        ];
  };
}

/** Refuses text that is not a valid manifest: schema problems are 400, impossible states 422. */
export function assertValid(path: string, text: string): void {
  const errors = parseManifest(path, text).diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (!first) return;
  const message = errors.map((d) => d.message).join('; ');
  // Shape and catalogue problems are bad values (400); a control plane that cannot work makes
  // the change impossible (422).
  throw new ApiError(first.code === 'control-plane' ? 'UNPROCESSABLE_CONTENT' : 'BAD_REQUEST', message, first.path || undefined);
}

/** 409 for a name the caller's own organization already uses (never for another organization's). */
export function nameTaken(name: string): ApiError {
  return new ApiError('CONFLICT', `a cluster named ${name} already exists in this organization`, 'name');
}
