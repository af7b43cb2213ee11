import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { ClusterEvent, ClusterRecord, StoreData } from './types.js';

/** Events kept per cluster; older ones drop off. */
export const MAX_EVENTS = 100;

/**
 * The daemon's state file (lowdb JSON; written atomically by write-to-temp-and-rename).
 * Reads are synchronous views of memory; every change goes through `update`, which writes
 * before it resolves, so a journaled intent is on disk before the provider call it guards.
 */
export interface Store {
  readonly instanceId: string;
  cluster(id: string): ClusterRecord | undefined;
  clusters(): ClusterRecord[];
  /** Applies `fn` to the data and persists it. Writes are serialised. */
  update<T>(fn: (data: StoreData) => T): Promise<T>;
  /** The last write's failure (disk full, permissions), null once a write succeeds; for readiness. */
  lastWriteError(): string | null;
  /** Appends an event to a cluster's bounded history (no-op if the cluster is unknown). */
  addEvent(clusterId: string, event: Omit<ClusterEvent, 'at'>, at: string): Promise<void>;
}

/** Opens (or creates) the store at `path`; `instanceId` is generated once and kept. */
export async function openStore(path: string): Promise<Store> {
  await mkdir(dirname(path), { recursive: true });
  const db = new Low<StoreData>(new JSONFile<StoreData>(path), emptyData());
  try {
    await db.read();
  } catch (err) {
    // lowdb surfaces a bare JSON.parse error that names neither the file nor what it expected.
    if (err instanceof SyntaxError) throw new Error(`${path} is not a clusterops store (version 1): ${err.message}`, { cause: err });
    throw err;
  }
  if (db.data.version !== 1 || typeof db.data.instanceId !== 'string') {
    throw new Error(`${path} is not a clusterops store (version 1)`);
  }
  await db.write();
  let queue: Promise<unknown> = Promise.resolve();
  let writeError: string | null = null;
  const update = <T>(fn: (data: StoreData) => T): Promise<T> => {
    const run = queue.then(async () => {
      const result = fn(db.data);
      try {
        await db.write();
        writeError = null;
      } catch (err) {
        writeError = `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        throw err;
      }
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    instanceId: db.data.instanceId,
    cluster: (id) => db.data.clusters[id],
    clusters: () => Object.values(db.data.clusters),
    update,
    lastWriteError: () => writeError,
    addEvent: (clusterId, event, at) =>
      update((data) => {
        const record = data.clusters[clusterId];
        if (!record) return;
        record.events.push({ at, ...event });
        if (record.events.length > MAX_EVENTS) record.events.splice(0, record.events.length - MAX_EVENTS);
      }),
  };
}

function emptyData(): StoreData {
  return { version: 1, instanceId: `co-${randomBytes(5).toString('hex')}`, clusters: {} };
}
