import { randomBytes } from 'node:crypto';
import { editManifest } from '../domain/manifest/edit.js';
import { readManifestId } from '../domain/manifest/parse.js';
import { cachedManifestParser, loadRepository } from '../domain/manifest/repository.js';
import type { ClusterManifest, Provider } from '../domain/manifest/types.js';
import type { Logger } from '../logger.js';
import type { CommitChange, CommitResult } from '../sources/git-source.js';
import type { GitIdentity, Snapshot } from '../sources/types.js';
import type { Store } from '../store/store.js';
import { createController, type Controller } from './controller.js';
import { buildDesiredState, type DeletionGuard, type DesiredState } from './desired.js';
import { confirmationsKey, deletionHolds, recordHolds } from './deletion-holds.js';
import { approvedTransfer, type RecordFacts } from './desired-identity.js';
import type { ObservationCache } from './observation.js';

/** Where desired state comes from: a Git branch (with commits) or a local working tree. */
export interface DesiredSource {
  poll(): Promise<Snapshot | null>;
  /** Present when the daemon may write (id assignment); absent in read-only modes. */
  commit?: (change: CommitChange) => Promise<CommitResult>;
}

export interface DaemonOptions {
  source: DesiredSource;
  store: Store;
  observations: ObservationCache;
  providers: readonly Provider[];
  /** The reconcile pass for one cluster key (bound to its deps by the caller). */
  reconcile: (clusterId: string) => Promise<{ requeueAfterMs?: number }>;
  log: Logger;
  identity: GitIdentity;
  pollIntervalMs: number;
  /** Full re-check of every cluster against the providers (drift), default 10 min. */
  resyncIntervalMs?: number;
  concurrency?: number;
  guard?: DeletionGuard;
  newClusterId?: () => string;
}

/** The running reconciler: polls the source, keeps the desired view, feeds the work queue. */
export interface Daemon {
  start(): Promise<void>;
  /** Poll now (webhook, or tests); resolves when the snapshot has been taken in. */
  pollNow(): Promise<void>;
  /** Poll and re-check every cluster against the providers, changed or not (drift detection). */
  resync(): Promise<void>;
  /** The desired state of the latest snapshot (what passes and the API read). */
  desired(): DesiredState;
  readonly controller: Controller;
  /** Last successful poll time (ms), for readiness. */
  lastPollAt(): number | null;
  stop(): Promise<void>;
}

const EMPTY: DesiredState = {
  revision: '',
  entries: new Map(),
  unassigned: [],
  restores: [],
  deleting: [],
  held: new Map(),
  holds: new Map(),
  get: () => undefined,
  deletionHeld: () => undefined,
  orphanProvider: () => undefined,
};

export function createDaemon(options: DaemonOptions): Daemon {
  let state: DesiredState | null = null;
  let lastPoll: number | null = null;
  let timers: NodeJS.Timeout[] = [];
  let polling: Promise<void> | null = null;
  const newId = options.newClusterId ?? (() => `cluster_${randomBytes(8).toString('hex').slice(0, 12)}`);
  const parse = cachedManifestParser();
  const controller = createController({
    reconcile: options.reconcile,
    concurrency: options.concurrency ?? 8,
    fingerprint: (id) => state?.get(id)?.hash ?? 'absent',
    onError: (id, err) => options.log.debug({ cluster: id, err }, 'pass failed'),
  });

  /** One batch of passes: each may use a provider listing as fresh as the moment they were asked for. */
  const enqueueAll = (ids: string[], at: number, retryStalled = false) => {
    options.observations.requested(ids, at);
    for (const id of ids) controller.enqueue(id, { retryStalled });
  };

  // VMs we own that neither Git nor the store knows (a lost store) are looked for at start and at
  // every resync; a new revision reuses that finding rather than listing every account again
  // (each API write and status commit is a revision, and listings spend the providers' budget).
  let orphans = new Map<string, Provider>();
  let lastSnapshot: Snapshot | null = null;
  // The confirmations the current state was built with: a new one is taken in at the next poll.
  let usedConfirmations = '';

  const takeSnapshot = async (snapshot: Snapshot, forceAll: boolean, requestedAt: number) => {
    const previous = state;
    lastSnapshot = snapshot;
    const load = loadRepository(snapshot.files, parse);
    // The regions to list are those of the manifests and of the store, known before any listing.
    options.observations.setRegions(regionsInUse(load.clusters.map((c) => c.manifest), options));
    if (forceAll || !previous) orphans = await discoverOrphans(options);
    else for (const id of [...orphans.keys()]) if (options.store.cluster(id)) orphans.delete(id);
    const known = new Map(options.store.clusters().map((r) => [r.id, r.name]));
    // Holds and confirmations live in the store (cluster.confirmDeletion); commit messages confirm nothing.
    const { holds, confirmed } = deletionHolds(options.store);
    usedConfirmations = confirmationsKey(confirmed);
    const build = (canRestoreIds: boolean) =>
      buildDesiredState({ load, revision: snapshot.revision, known, orphans, holds, confirmed, records: recordFacts(options.store), canRestoreIds, ...(options.guard ? { guard: options.guard } : {}) });
    state = build(options.source.commit !== undefined);
    await recordHolds(options.store, state, new Date());
    const assigned = (state.unassigned.length > 0 || state.restores.length > 0) && (await assignIds(options, state, newId));
    // A removed id that could not be committed back: the cluster is `error` ("restore `id: …`").
    if (!assigned && state.restores.length > 0) state = build(false);
    const keys = new Set([...state.entries.keys(), ...known.keys(), ...orphans.keys()]);
    const changed = [...keys].filter((id) => forceAll || !previous || previous.get(id)?.hash !== state!.get(id)?.hash || previous.deletionHeld(id) !== state!.deletionHeld(id));
    // A resync (forceAll) looks at every cluster again, stalled ones included.
    enqueueAll(changed, requestedAt, forceAll);
    return assigned;
  };

  const pollOnce = async (forceAll = false) => {
    const requestedAt = Date.now();
    const snapshot = await options.source.poll();
    lastPoll = Date.now();
    // After committing ids, take in that commit at once rather than at the next interval.
    if (snapshot && (await takeSnapshot(snapshot, forceAll, requestedAt))) {
      const next = await options.source.poll();
      if (next) await takeSnapshot(next, false, Date.now());
    } else if (!snapshot && lastSnapshot && (forceAll || confirmationsKey(deletionHolds(options.store).confirmed) !== usedConfirmations)) await takeSnapshot(lastSnapshot, forceAll, requestedAt);
  };

  // One poll at a time. A request that arrives while one runs gets a fresh poll after it, so a
  // caller that just pushed (the API) is sure to see its own commit.
  let again: Promise<void> | null = null;
  let againForce = false;
  const guardedPoll = (forceAll = false): Promise<void> => {
    if (polling) {
      againForce ||= forceAll;
      again ??= polling.then(() => {
        again = null;
        const force = againForce;
        againForce = false;
        return guardedPoll(force);
      });
      return again;
    }
    polling = pollOnce(forceAll)
      .catch((err: unknown) => options.log.warn({ err }, 'poll failed; will try again'))
      .finally(() => {
        polling = null;
      });
    return polling;
  };

  return {
    controller,
    desired: () => state ?? EMPTY,
    lastPollAt: () => lastPoll,
    start: async () => {
      await guardedPoll(true);
      timers = [
        setInterval(() => void guardedPoll(), options.pollIntervalMs),
        setInterval(() => void guardedPoll(true), options.resyncIntervalMs ?? 600_000),
      ];
      timers.forEach((t) => t.unref?.());
    },
    pollNow: () => guardedPoll(),
    resync: () => guardedPoll(true),
    stop: async () => {
      timers.forEach((t) => clearInterval(t));
      await polling;
      await controller.stop();
    },
  };
}

/** VMs we own whose cluster is neither in Git nor in the store (e.g. a lost store). */
async function discoverOrphans(options: DaemonOptions): Promise<Map<string, Provider>> {
  const orphans = new Map<string, Provider>();
  for (const provider of options.providers) {
    const vms = await options.observations.vms(provider, 5_000).catch(() => []);
    for (const vm of vms) if (!options.store.cluster(vm.clusterId)) orphans.set(vm.clusterId, provider);
  }
  return orphans;
}

function regionsInUse(manifests: readonly ClusterManifest[], options: DaemonOptions): Partial<Record<Provider, string[]>> {
  const out: Partial<Record<Provider, Set<string>>> = {};
  const add = (p: Provider, r: string) => (out[p] ??= new Set()).add(r);
  for (const m of manifests) add(m.provider, m.region);
  for (const r of options.store.clusters()) add(r.provider, r.region);
  return Object.fromEntries(Object.entries(out).map(([p, s]) => [p, [...s]]));
}

/** The store's records as each revision is checked against them (immutable fields, transfers). */
function recordFacts(store: Store): Map<string, RecordFacts> {
  // A record made from VM tags alone (an orphan) knows no organization or orchestrator to keep.
  return new Map(
    store.clusters().filter((r) => !r.orphan).map((r) => [
      r.id,
      {
        provider: r.provider,
        region: r.region,
        orchestrator: r.orchestrator,
        organizationId: r.organizationId,
        ...(approvedTransfer(r.transfer, Date.now()) ? { transferTo: r.transfer!.to } : {}),
        deleting: r.status?.status === 'deleting',
        ...(r.manifestFile ? { file: r.manifestFile } : {}),
      },
    ]),
  );
}

/**
 * Commits ids into manifests that have none (DESIGN §2), keeping their comments: a new id for a
 * new cluster, the old one back for a manifest whose `id:` line was removed.
 */
async function assignIds(options: DaemonOptions, state: DesiredState, newId: () => string): Promise<boolean> {
  if (!options.source.commit) return false;
  const ids = [...state.unassigned.map((c) => ({ file: c.file, name: c.manifest.name, id: newId() })), ...state.restores];
  const restored = new Set(state.restores.map((r) => r.name));
  const fresh = state.unassigned.map((c) => c.manifest.name);
  const message = [fresh.length > 0 ? `assign ids to ${fresh.join(', ')}` : '', restored.size > 0 ? `restore id of ${[...restored].join(', ')}` : ''].filter(Boolean).join('; ');
  const result = await options.source.commit({
    message: `chore(clusterops): ${message}`,
    author: options.identity,
    edit: async (read) => {
      const changes = [];
      for (const c of ids) {
        const text = await read(c.file);
        if (text === undefined) continue;
        const edited = editManifest(text, [{ op: 'set', field: 'id', value: c.id }]);
        // Someone may have assigned one since the snapshot: never overwrite an id.
        if (edited.ok && readManifestId(text) === undefined) changes.push({ path: c.file, content: edited.text });
      }
      return changes;
    },
  }).catch((err: unknown) => {
    options.log.warn({ err }, `could not commit ids (${message}); will try again at the next revision`);
    return {};
  });
  if (!('revision' in result)) return false;
  options.log.info({ clusters: ids.map((c) => c.name) }, message);
  return true;
}
