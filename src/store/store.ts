import { writeFileDurably } from '../durable-file.js';
import { emptyData, OwnerMismatchError, readStoreFile } from './store-file.js';
import type { ClusterEvent, ClusterRecord, StoreData } from './types.js';

export { OWNER_ID_PATTERN, OwnerMismatchError, StoreCorruptError } from './store-file.js';

/** Events kept per cluster; older ones drop off. */
export const MAX_EVENTS = 100;

/**
 * The daemon's state file (JSON). Contract:
 * - reads are synchronous and show only data that is on disk: `update` applies its function to a
 *   copy, and to the data readers see only once that copy's write (temp + fsync + rename +
 *   directory fsync) succeeded, so a journaled intent survives power loss before the provider
 *   call it guards. Update functions act on the data alone (they may run twice);
 * - a failed write (ENOSPC, EACCES) rejects every update of its batch and leaves no trace of them;
 *   later updates are applied to the last durable data;
 * - `lastWriteError` stays set until a write succeeds; the reconciler does nothing meanwhile.
 */
export interface Store {
  /** This instance's owner id: the `clusterops-owner` tag of every VM it creates. */
  readonly instanceId: string;
  cluster(id: string): ClusterRecord | undefined;
  clusters(): ClusterRecord[];
  /** Applies `fn` to a copy of the data and persists it; resolves with fn's result once on disk. */
  update<T>(fn: (data: StoreData) => T): Promise<T>;
  /** The last write's failure (disk full, permissions), null once a write succeeds; for readiness. */
  lastWriteError(): string | null;
  /** Appends an event to a cluster's bounded history (no-op if the cluster is unknown). */
  addEvent(clusterId: string, event: Omit<ClusterEvent, 'at'>, at: string): Promise<void>;
}

/** How a store is opened. */
export interface StoreOptions {
  /**
   * The owner id to use (the `ownerId` setting): a new store, or one that tracks no cluster yet,
   * takes it; a store that tracks clusters under another id is refused (OwnerMismatchError).
   */
  ownerId?: string;
  /** Writes the whole file durably; the injection point for disk faults (default: writeFileDurably). */
  writeFile?: (path: string, text: string) => Promise<unknown>;
  /** Called when writes start failing (with the error) and when they work again (null). */
  onWriteState?: (error: string | null) => void;
}

interface Pending {
  fn: (data: StoreData) => unknown;
  result?: unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Opens (or creates) the store at `path`. Throws StoreCorruptError for a file that is not a store. */
export async function openStore(path: string, options: StoreOptions = {}): Promise<Store> {
  const write = options.writeFile ?? ((p: string, text: string) => writeFileDurably(p, text));
  let data = ownedData(path, await readStoreFile(path), options.ownerId);
  await write(path, serialise(data));
  let writeError: string | null = null;
  const setWriteError = (error: string | null) => {
    if (error !== writeError) options.onWriteState?.(error);
    writeError = error;
  };
  // Group commit: one write carries every update made while the previous write was in flight;
  // passes running in parallel share writes instead of each rewriting the whole file in turn
  // (the file is megabytes at 1,000 clusters).
  let queue: Pending[] = [];
  let writing = false;
  const flush = async () => {
    writing = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const { next, applied } = applyBatch(data, batch);
      if (applied.length === 0) continue;
      try {
        await write(path, serialise(next));
      } catch (err) {
        setWriteError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        applied.forEach((u) => u.reject(err));
        continue;
      }
      data = replay(data, next, applied);
      setWriteError(null);
      applied.forEach((u) => u.resolve(u.result));
    }
    writing = false;
  };
  const update = <T>(fn: (data: StoreData) => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!writing) void flush();
    });
  return {
    instanceId: data.instanceId,
    cluster: (id) => data.clusters[id],
    clusters: () => Object.values(data.clusters),
    update,
    lastWriteError: () => writeError,
    addEvent: (clusterId, event, at) =>
      update((d) => {
        const record = d.clusters[clusterId];
        if (!record) return;
        record.events.push({ at, ...event });
        if (record.events.length > MAX_EVENTS) record.events.splice(0, record.events.length - MAX_EVENTS);
      }),
  };
}

/**
 * Applies a batch to a copy of `data`, in call order. An update whose function throws is
 * rejected alone; the copy is rebuilt without its partial changes.
 */
function applyBatch(data: StoreData, batch: Pending[]): { next: StoreData; applied: Pending[] } {
  let next = structuredClone(data);
  const applied: Pending[] = [];
  for (const u of batch) {
    try {
      u.result = u.fn(next);
      applied.push(u);
    } catch (err) {
      u.reject(err);
      next = structuredClone(data);
      for (const ok of applied) ok.result = ok.fn(next);
    }
  }
  return { next, applied };
}

/**
 * Once `next` is on disk, the same updates are applied to the live data in place, so that
 * objects callers hold (an intent they journaled, the record they read) stay the store's own and
 * compare equal by identity, as they did when changes were applied in memory first. Applied to
 * the same data in the same order, they yield `next` again; should one throw all the same, the
 * copy that is on disk becomes the live data.
 */
function replay(live: StoreData, next: StoreData, applied: Pending[]): StoreData {
  try {
    for (const u of applied) u.result = u.fn(live);
    return live;
  } catch {
    return next;
  }
}

function ownedData(path: string, existing: StoreData | null, ownerId: string | undefined): StoreData {
  if (!existing) return emptyData(ownerId);
  if (!ownerId || ownerId === existing.instanceId) return existing;
  const tracked = Object.keys(existing.clusters).length;
  if (tracked === 0) return { ...existing, instanceId: ownerId };
  throw new OwnerMismatchError(
    `the configured owner id ${ownerId} is not ${existing.instanceId}, the owner of the ${tracked} cluster${tracked === 1 ? '' : 's'} in ${path}; ` +
      `its VMs are tagged clusterops-owner=${existing.instanceId}. Set ownerId: ${existing.instanceId} (or unset it), or use another data directory`,
  );
}

function serialise(data: StoreData): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}
