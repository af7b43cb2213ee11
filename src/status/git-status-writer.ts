import { parse } from 'yaml';
import type { Logger } from '../logger.js';
import type { CommitChange, CommitResult } from '../sources/git-source.js';
import type { GitIdentity } from '../sources/types.js';
import type { ClusterRecord } from '../store/types.js';
import { renderStatusFile, statusFingerprint, statusNameOf, statusPath, statusSummary, type StatusDocument } from './status-file.js';

/** Where status commits go. */
export interface StatusWriterOptions {
  commit: (change: CommitChange) => Promise<CommitResult>;
  /** Default: the tracked branch. */
  branch?: string;
  author: GitIdentity;
  log: Logger;
  /** Recorded in every status file (`owner:`), so a lost data directory can tell whose VMs these are. */
  owner?: string;
  /**
   * The id of the cluster whose manifest file now has this stem (`web`, `web.org_b`), if any. That cluster owns
   * `status/<name>.yaml`: another one with the same name (the old cluster of a reused name,
   * still being deleted) reports only in its events and logs, and never removes the file.
   */
  nameOwner?: (name: string) => string | undefined;
}

/**
 * Writes `status/<name>.yaml` (DESIGN §4.1): only when what a user cares about changed, one
 * commit per cluster change, message `status(<name>): … [skip ci]`. Updates of one cluster
 * that arrive while a commit is running are coalesced (the latest wins).
 */
export interface StatusWriter {
  /**
   * Called after every pass; cheap when nothing changed. Resolves true once Git holds this
   * status (or a later one of the same cluster), false when its commit failed; never rejects.
   */
  publish(record: ClusterRecord, removed: boolean): Promise<boolean>;
  /** Resolves once everything published so far is committed. */
  flush(): Promise<void>;
}

type Waiter = (committed: boolean) => void;

export function createGitStatusWriter(options: StatusWriterOptions): StatusWriter {
  const published = new Map<string, { name: string; fingerprint: string }>();
  /** The state each commit under way will leave in Git, should it succeed. */
  const inFlight = new Map<string, { name: string; fingerprint: string }>();
  const pending = new Map<string, { name: string; doc: StatusDocument | null; waiters: Waiter[] }>();
  /** Who waits for the commit under way of each cluster. */
  const inFlightWaiters = new Map<string, Waiter[]>();
  let running: Promise<void> | null = null;

  const drain = async () => {
    while (pending.size > 0) {
      const [id, next] = pending.entries().next().value as [string, { name: string; doc: StatusDocument | null; waiters: Waiter[] }];
      pending.delete(id);
      inFlight.set(id, { name: next.name, fingerprint: statusFingerprint(next.doc) });
      inFlightWaiters.set(id, next.waiters);
      const ok = await write(id, next.name, next.doc).then(
        () => true,
        (err: unknown) => {
          options.log.warn({ err }, `status commit for ${next.name} failed; it will be retried on the next change`);
          published.delete(id);
          return false;
        },
      );
      inFlight.delete(id);
      for (const done of inFlightWaiters.get(id) ?? []) done(ok);
      inFlightWaiters.delete(id);
    }
  };

  // A publish can land after drain's loop ended but before `running` is cleared: start again then.
  const kick = (): void => {
    running ??= drain().finally(() => {
      running = null;
      if (pending.size > 0) kick();
    });
  };

  const write = async (id: string, name: string, doc: StatusDocument | null) => {
    const previous = published.get(id);
    const files = [{ path: statusPath(name), content: doc ? renderStatusFile(doc) : null }];
    if (previous && previous.name !== name) files.push({ path: statusPath(previous.name), content: null });
    const result = await options.commit({
      message: `status(${name}): ${statusSummary(doc)} [skip ci]`,
      author: options.author,
      ...(options.branch ? { branch: options.branch } : {}),
      edit: async (read) => {
        // Checked again here: the name may have been reused since this status was published.
        const owner = options.nameOwner?.(name);
        if (owner !== undefined && owner !== id) return [];
        const changes = [];
        for (const f of files) {
          const current = await read(f.path);
          // Never remove another cluster's status file (a name reused, or taken over by a rename).
          if (f.content === null && current !== undefined && !heldBy(current, id)) continue;
          const same = f.content === null ? current === undefined : current !== undefined && sameStatus(current, doc);
          if (!same) changes.push(f);
        }
        return changes;
      },
    });
    if ('refused' in result) throw new Error(result.refused);
    if (doc) published.set(id, { name, fingerprint: statusFingerprint(doc) });
    else published.delete(id);
  };

  return {
    publish(record, removed) {
      const doc = removed ? null : toDocument(record, options.owner);
      if (!removed && !doc) return Promise.resolve(true);
      const owner = options.nameOwner?.(statusNameOf(record));
      if (owner !== undefined && owner !== record.id) {
        options.log.debug({ clusterId: record.id, owner }, `status/${statusNameOf(record)}.yaml belongs to the cluster whose manifest has that name now; not written for this one`);
        return Promise.resolve(true);
      }
      const fingerprint = statusFingerprint(doc);
      return new Promise<boolean>((resolve) => {
        const waiters = [...(pending.get(record.id)?.waiters ?? []), resolve];
        // Compare with what Git will hold once the commit under way lands, not with what it holds
        // now: a status that reverts while its change is being committed must still be written.
        const last = inFlight.get(record.id) ?? published.get(record.id);
        if (last && last.fingerprint === fingerprint && last.name === statusNameOf(record)) {
          pending.delete(record.id);
          if (inFlight.has(record.id)) inFlightWaiters.get(record.id)!.push(...waiters);
          else for (const done of waiters) done(true);
          return;
        }
        pending.set(record.id, { name: statusNameOf(record), doc, waiters });
        kick();
      });
    },
    flush: async () => {
      while (running) await running;
    },
  };
}

/** Whether a status file's text is that of cluster `id` (an unreadable one counts as ours: it is overwritten or removed). */
function heldBy(text: string, id: string): boolean {
  try {
    const doc = parse(text) as Partial<StatusDocument> | null;
    return typeof doc?.id !== 'string' || doc.id === id;
  } catch {
    return true;
  }
}

/** Compares by what users care about, so a restart does not rewrite unchanged status files. */
function sameStatus(text: string, doc: StatusDocument | null): boolean {
  try {
    return statusFingerprint(parse(text) as StatusDocument) === statusFingerprint(doc);
  } catch {
    return false;
  }
}

function toDocument(record: ClusterRecord, owner: string | undefined): StatusDocument | null {
  const s = record.status;
  if (!s) return null;
  return {
    id: record.id,
    name: record.name,
    ...(owner ? { owner } : {}),
    status: s.status,
    nodes: s.nodes,
    desiredNodes: s.desiredNodes,
    conditions: s.conditions.map(({ type, status, reason, message }) => ({ type, status, reason, message })),
    lastError: s.lastError,
    observedRevision: s.observedRevision,
    updatedAt: record.updatedAt,
  };
}
