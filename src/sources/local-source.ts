import { createHash } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import { watch as chokidarWatch, type ChokidarOptions, type FSWatcher } from 'chokidar';
import type { RepoEntry } from '../domain/manifest/repository.js';
import { readClusterEntries } from './local-files.js';
import { createMutex } from './mutex.js';
import { MAX_DEPTH } from './manifest-limits.js';
import { silentLogger, type Snapshot, type SourceLogger } from './types.js';

export interface LocalSourceOptions {
  /** A working tree holding `clusters/`. */
  dir: string;
  /** Quiet time after the last file event before the folder is read again. Default 300 ms. */
  debounceMs?: number;
  /** Called with every snapshot whose content differs from the previous one, one call at a time. */
  onSnapshot: (snapshot: Snapshot) => void | Promise<void>;
  /** A read that failed after a file event (e.g. clusters/ removed). Default: logged as a warning. */
  onError?: (err: unknown) => void;
  logger?: SourceLogger;
  now?: () => Date;
  watch?: (path: string, options: ChokidarOptions) => FSWatcher;
}

/**
 * A working tree's `clusters/` as a source (the default command and local development).
 * `revision` and `clustersTreeId` are `local:` + sha256 of the entries, so an edit that
 * restores the previous content yields the previous revision and no new snapshot.
 */
export interface LocalSource {
  /** Reads and emits the first snapshot, then watches. Throws `RepositoryLayoutError` without clusters/. */
  start(): Promise<Snapshot>;
  /** Stops watching; no snapshot is emitted after it resolves. */
  close(): Promise<void>;
  /** Reads `clusters/` now (without emitting). */
  snapshot(): Promise<Snapshot>;
}

export function createLocalSource(options: LocalSourceOptions): LocalSource {
  const dir = resolve(options.dir);
  const logger = options.logger ?? silentLogger();
  const onError = options.onError ?? ((err: unknown) => logger.warn('could not read clusters/', { dir, error: String(err) }));
  const now = options.now ?? (() => new Date());
  const emits = createMutex();
  let watcher: FSWatcher | null = null;
  let lastRevision: string | null = null;
  let closed = false;

  const snapshot = async (): Promise<Snapshot> => toSnapshot(await readClusterEntries(dir), now());
  const emitIfChanged = (): Promise<void> =>
    emits.run(async () => {
      const next = await snapshot();
      if (closed || next.revision === lastRevision) return;
      lastRevision = next.revision;
      await options.onSnapshot(next);
    });
  const debounced = createDebouncer(options.debounceMs ?? 300, () => emitIfChanged().catch(onError));

  return {
    async start() {
      const first = await snapshot();
      lastRevision = first.revision;
      await options.onSnapshot(first);
      watcher = await startWatching(dir, options.watch ?? chokidarWatch, debounced.trigger, onError);
      return first;
    },
    async close() {
      closed = true;
      debounced.cancel();
      await watcher?.close();
      await emits.run(async () => undefined);
    },
    snapshot,
  };
}

/** Calls `fire` once `ms` have passed without another `trigger`. */
function createDebouncer(ms: number, fire: () => void): { trigger: () => void; cancel: () => void } {
  let timer: NodeJS.Timeout | null = null;
  const cancel = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return {
    trigger() {
      cancel();
      timer = setTimeout(() => {
        timer = null;
        fire();
      }, ms);
    },
    cancel,
  };
}

/** Watches `<dir>/clusters` and its direct entries only (never .git or anything else in dir). */
async function startWatching(
  dir: string,
  watch: NonNullable<LocalSourceOptions['watch']>,
  onEvent: () => void,
  onError: (err: unknown) => void,
): Promise<FSWatcher> {
  const clusters = join(dir, 'clusters');
  const relevant = (path: string): boolean => {
    const p = resolve(path);
    // Sub-folders too: a manifest moved into one is reported (and its cluster kept), not lost.
    return p === dir || p === clusters || p.startsWith(`${clusters}${sep}`);
  };
  const watcher = watch(dir, { ignoreInitial: true, depth: MAX_DEPTH + 1, ignored: (path) => !relevant(path) });
  watcher.on('all', onEvent);
  watcher.on('error', onError);
  await new Promise<void>((ready) => watcher.once('ready', ready));
  return watcher;
}

/** A snapshot whose revision is a hash of the entries, in path order. */
export function toSnapshot(entries: RepoEntry[], readAt: Date): Snapshot {
  const files = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const canonical = JSON.stringify(files.map((e) => [e.path, e.kind, e.kind === 'file' ? e.content : e.kind === 'unreadable' ? [e.reason, e.id ?? null] : null]));
  const hash = `local:${createHash('sha256').update(canonical).digest('hex')}`;
  return { revision: hash, files, clustersTreeId: hash, message: '', committedAt: readAt.toISOString() };
}
