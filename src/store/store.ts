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
  let writeError: string | null = null;
  // Group commit: changes are applied in memory at once, in call order; one write carries every
  // change made while the previous write was in flight, and each `update` resolves only once a
  // write that includes its change is on disk. Passes running in parallel share writes instead of
  // each rewriting the whole file in turn (the file is megabytes at 1,000 clusters).
  let pending: { done: () => void; failed: (err: unknown) => void }[] = [];
  let writing = false;
  const flush = async () => {
    writing = true;
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await db.write();
        writeError = null;
        batch.forEach((b) => b.done());
      } catch (err) {
        writeError = `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        batch.forEach((b) => b.failed(err));
      }
    }
    writing = false;
  };
  const update = <T>(fn: (data: StoreData) => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let result: T;
      try {
        result = fn(db.data);
      } catch (err) {
        reject(err);
        return;
      }
      pending.push({ done: () => resolve(result), failed: reject });
      if (!writing) void flush();
    });
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
