import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UNKNOWN_ORGANIZATION, type StoreData } from './types.js';

/** What every owner id looks like: the generated ones (`co-` + 10 hex) and those set by hand. */
export const OWNER_ID_PATTERN = /^co-[a-z0-9]{4,32}$/;

/** The store file exists but is not a clusterops store: never opened as an empty one. */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
}

/** The configured owner id is not the one a store that tracks clusters was made with. */
export class OwnerMismatchError extends Error {
  override readonly name = 'OwnerMismatchError';
}

/** A new store's data: the owner id given, or a generated one. */
export function emptyData(ownerId?: string): StoreData {
  return { version: 1, instanceId: ownerId ?? `co-${randomBytes(5).toString('hex')}`, clusters: {} };
}

/**
 * Reads the store file; null when there is none. Anything else that is not a version-1 store
 * object (`null`, `[]`, a number, truncated JSON, an empty file) is StoreCorruptError: opening it
 * as an empty store would forget every cluster and create the fleet again under a new owner.
 */
export async function readStoreFile(path: string): Promise<StoreData | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(path, text.trim() === '' ? 'the file is empty' : `not JSON (${(err as Error).message})`);
  }
  const problem = shapeProblem(value);
  if (problem) throw corrupt(path, problem);
  return upgraded(value as StoreData);
}

/** Files written before records said `orphan` marked them by their organization alone. */
function upgraded(data: StoreData): StoreData {
  for (const record of Object.values(data.clusters)) if (record.organizationId === UNKNOWN_ORGANIZATION && record.orphan === undefined) record.orphan = true;
  return data;
}

function shapeProblem(value: unknown): string | null {
  if (!isObject(value)) return `it holds ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object`;
  if (value.version !== 1) return `version ${JSON.stringify(value.version)}, expected 1`;
  if (typeof value.instanceId !== 'string' || !OWNER_ID_PATTERN.test(value.instanceId)) return 'it has no valid instanceId (owner id)';
  if (!isObject(value.clusters) || !Object.values(value.clusters).every(isObject)) return 'its clusters are not an object of records';
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function corrupt(path: string, why: string): StoreCorruptError {
  return new StoreCorruptError(
    `${path} is not a clusterops store (version 1): ${why}. Nothing was changed. To recover, restore the file from a backup; ` +
      `or move it away and start with an empty data directory and --owner-id co-… (CLUSTEROPS_OWNER_ID, ownerId:) set to the fleet's owner id ` +
      `(the owner: field of status/<name>.yaml), so its VMs are adopted rather than created again`,
  );
}
