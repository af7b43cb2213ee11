import type { Provider } from '../domain/manifest/types.js';
import { planCluster } from '../domain/plan/plan-cluster.js';
import type { ActualNode, Plan } from '../domain/plan/types.js';
import { deriveStatus, toNodeView, type PassError, type StatusInput } from '../domain/status/derive.js';
import type { Logger } from '../logger.js';
import type { ObservedVm } from '../providers/types.js';
import { UNKNOWN_ORGANIZATION, type ClusterRecord } from '../store/types.js';
import type { ClusterStatusView } from '../domain/status/types.js';
import { buildActual } from './actual.js';
import { applyPlan, resumeIntents, type PassContext } from './apply.js';
import { noteControlPlaneLoss, noteManagersReach } from './control-plane.js';
import { overlayMembers, readMembers, trackUnhealthy } from './membership.js';
import type { PassResult } from './controller.js';
import { StalledError, TransientError, WaitingError } from './errors.js';
import type { DesiredEntry, ReconcilerDeps } from './types.js';

/**
 * One level-based pass over one cluster (STYLE "The reconcile loop"): load desired and actual,
 * then finalize (manifest gone) or plan and apply; status is derived once at the end and always
 * saved. Never branches on what woke it; a second pass after success plans nothing.
 */
export async function reconcileCluster(deps: ReconcilerDeps, clusterId: string): Promise<PassResult> {
  await ensureStoreWritable(deps);
  const view = deps.desired();
  const entry = view.get(clusterId);
  const existing = deps.store.cluster(clusterId);
  const log = deps.log.child({ cluster: entry?.kind === 'valid' ? entry.manifest.name : (existing?.name ?? clusterId), clusterId, revision: view.revision.slice(0, 12) });
  if (entry?.kind === 'invalid') {
    // An invalid manifest never causes any action on its cluster's resources. A pending one (its
    // removed id is being committed back) is not an error: the status stays as it was.
    if (existing && !entry.pending) await saveStatus(deps, log, clusterId, { ...baseStatus(view.revision, existing), mode: 'invalid', message: entry.message });
    return {};
  }
  const held = entry ? undefined : view.deletionHeld(clusterId);
  if (held) {
    if (existing) await saveStatus(deps, log, clusterId, { ...baseStatus(view.revision, existing), mode: 'held', message: held });
    return {};
  }
  const provider = entry?.manifest.provider ?? existing?.provider ?? view.orphanProvider(clusterId);
  const adapter = provider ? deps.providers[provider] : undefined;
  if (!provider) return {};
  if (!adapter) {
    if (entry) await ensureRecord(deps, entry, undefined);
    await saveStatus(deps, log, clusterId, { ...baseStatus(view.revision, deps.store.cluster(clusterId)), mode: 'normal', error: { kind: 'stalled', reason: 'NoCredentials', message: `no credentials are configured for ${provider}` } });
    throw new StalledError('NoCredentials', `no credentials are configured for ${provider}`);
  }
  const all = await deps.observations.vms(provider, deps.limits.observeMaxAgeMs, clusterId);
  const vms = all.filter((v) => v.clusterId === clusterId);
  if (!entry && !existing && vms.length === 0) return {};
  await ensureRecord(deps, entry, vms[0]);
  const ctx: PassContext = { deps, clusterId, adapter, orchestrator: deps.orchestrators[deps.store.cluster(clusterId)!.orchestrator], log };
  return runPass(ctx, entry, vms, view.revision);
}

/**
 * While the store cannot be written, a pass does nothing, provider reads included: no intent
 * could be journaled before its provider call. One empty write tells whether the disk is back.
 */
async function ensureStoreWritable(deps: ReconcilerDeps): Promise<void> {
  const error = deps.store.lastWriteError();
  if (error === null) return;
  await deps.store.update(() => undefined).catch((err: unknown) => {
    throw new TransientError('StoreUnwritable', `${error}; nothing is done until the state file can be written`, { cause: err });
  });
}

async function runPass(ctx: PassContext, entry: DesiredEntry | undefined, observed: ObservedVm[], revision: string): Promise<PassResult> {
  const { deps, clusterId } = ctx;
  const desired = entry?.kind === 'valid' ? entry.manifest : null;
  let plan: Plan | null = null;
  let nodes: ActualNode[] = [];
  let error: PassError | undefined;
  let removed = false;
  const lastEventBefore = deps.store.cluster(clusterId)?.events.at(-1);
  try {
    let vms = await resumeIntents(ctx, observed);
    let rec = deps.store.cluster(clusterId)!;
    let vmLevel = buildActual(rec, vms);
    nodes = vmLevel.nodes;
    let members = await readMembers(ctx.orchestrator, rec, vmLevel);
    if (desired) {
      // Every manager gone: the old memberships are void and a new control plane is planned.
      const recovered = await noteControlPlaneLoss(ctx, vms, await noteManagersReach(ctx, members !== null));
      if (recovered) [vms, rec, members] = [recovered, deps.store.cluster(clusterId)!, null];
      vmLevel = buildActual(rec, vms);
      nodes = vmLevel.nodes;
    }
    const actual = overlayMembers(vmLevel, rec, members);
    nodes = actual.nodes;
    const remediate = await noteUnhealthy(deps, rec, actual.nodes);
    plan = planCluster({ clusterId, clusterName: rec.name, desired, actual, provider: rec.provider, region: rec.region, remediate: desired ? remediate : [] });
    if (plan.errors.length > 0) throw new StalledError(plan.errors[0]!.reason, plan.errors[0]!.message);
    nodes = await applyPlan(ctx, plan, actual, vmLevel);
    if (!desired && nodes.length === 0 && deps.store.cluster(clusterId)!.intents.length === 0) {
      removed = await finalize(ctx);
      return {};
    }
    const waiting = nodes.some((n) => n.status !== 'running' && n.status !== 'unhealthy' && n.status !== 'error');
    if (waiting) return { requeueAfterMs: deps.limits.requeueMs };
    // Every action of this pass is done and every node runs: the pass that confirms it (and
    // reports `running`) need not wait the full requeue delay, which is sized for boots.
    if (plan.actions.length > 0) return { requeueAfterMs: Math.ceil(deps.limits.requeueMs / 4) };
    // An unhealthy node, or no manager answering: look again when the replacement falls due
    // (and at least every 30 s), rather than waiting for the periodic resync.
    const dueIn = unhealthyDueIn(deps, deps.store.cluster(clusterId));
    return dueIn === undefined ? {} : { requeueAfterMs: Math.min(30_000, Math.max(deps.limits.requeueMs, dueIn)) };
  } catch (err) {
    error = classify(err);
    if (err instanceof TransientError && progressedSince(deps.store.cluster(clusterId), lastEventBefore)) err.progressed = true;
    throw err;
  } finally {
    if (!removed) {
      const rec = deps.store.cluster(clusterId)!;
      const desiredNodes = desired ? desired.nodes.reduce((n, g) => n + g.count, 0) : 0;
      const mode = desired ? 'normal' : 'deleting';
      // A confirmed mass deletion says who confirmed it, in the status file (so in Git) too.
      const confirmed = !desired && rec.deletionConfirmation ? { message: `deletion confirmed by ${rec.deletionConfirmation.by} for revision ${rec.deletionConfirmation.revision}` } : {};
      await saveStatus(deps, ctx.log, clusterId, { ...baseStatus(revision, rec), mode, ...confirmed, plan, nodes: nodes.map(toNodeView), desiredNodes, ...(error ? { error } : {}) });
    }
  }
}

/** Records since when joined nodes have been not ready; returns those past the operator's limit. */
async function noteUnhealthy(deps: ReconcilerDeps, rec: ClusterRecord, nodes: readonly ActualNode[]): Promise<string[]> {
  const { since, overdue } = trackUnhealthy(rec, nodes, deps.now(), deps.limits.unhealthyReplaceAfterMs);
  if (JSON.stringify(since) !== JSON.stringify(rec.unhealthySince ?? {})) {
    await deps.store.update((d) => {
      const r = d.clusters[rec.id];
      if (r) r.unhealthySince = since;
    });
  }
  return overdue;
}

function unhealthyDueIn(deps: ReconcilerDeps, rec: ClusterRecord | undefined): number | undefined {
  // No manager answering counts too: past the same window the control plane is taken as lost.
  const since = [...Object.values(rec?.unhealthySince ?? {}), ...(rec?.managersUnreachableSince ? [rec.managersUnreachableSince] : [])].map((t) => Date.parse(t));
  if (since.length === 0) return undefined;
  return Math.min(...since) + deps.limits.unhealthyReplaceAfterMs - deps.now().getTime();
}

function classify(err: unknown): PassError {
  if (err instanceof WaitingError) return { kind: 'waiting', reason: err.reason, message: err.message };
  if (err instanceof StalledError) return { kind: 'stalled', reason: err.reason, message: err.message };
  if (err instanceof TransientError) return { kind: 'transient', reason: err.reason, message: err.message };
  return { kind: 'transient', reason: 'InternalError', message: 'an internal error occurred; see the daemon log' };
}

function baseStatus(revision: string, rec: ClusterRecord | undefined): StatusInput {
  const everReady = rec?.status ? ['running', 'degraded', 'updating'].includes(rec.status.status) : false;
  const loss = rec?.controlPlaneLoss;
  return {
    revision,
    mode: 'normal',
    plan: null,
    nodes: rec?.status?.nodes ?? [],
    everReady,
    desiredNodes: rec?.status?.desiredNodes ?? 0,
    ...(loss ? { controlPlaneLoss: { lost: loss.lost, ...(loss.recreatedOn ? { recreatedOn: loss.recreatedOn } : {}) } } : {}),
  };
}

/** Saves the pass's status (written only when it changed) and logs when the summary moves. */
async function saveStatus(deps: ReconcilerDeps, log: Logger, clusterId: string, input: StatusInput): Promise<void> {
  const status = deriveStatus(input);
  const before = deps.store.cluster(clusterId)?.status;
  if (!deps.store.cluster(clusterId)) return;
  if (JSON.stringify(before) !== JSON.stringify(status)) {
    const now = deps.now().toISOString();
    await deps.store.update((d) => {
      const rec = d.clusters[clusterId];
      if (rec) Object.assign(rec, { status, updatedAt: now });
    });
  }
  if (summary(before) !== summary(status)) log.info({}, `${summary(status)}${status.lastError ? ` (${status.lastError})` : ''}`);
  await recordStatusEvents(deps, clusterId, before, status);
  deps.onPassEnd?.(deps.store.cluster(clusterId)!, false);
}

const PROGRESS: ReadonlySet<string> = new Set(['created', 'initialized', 'joined', 'drained', 'deleted']);

/** Whether the pass recorded any step forward (an event after `lastBefore` that is a change to the world). */
function progressedSince(rec: ClusterRecord | undefined, lastBefore: ClusterRecord['events'][number] | undefined): boolean {
  if (!rec) return false;
  const from = lastBefore ? rec.events.lastIndexOf(lastBefore) + 1 : 0;
  return rec.events.slice(from).some((e) => PROGRESS.has(e.type));
}

/** The event history gets a line when the status changes and when a new error appears (not on every failed retry). */
async function recordStatusEvents(deps: ReconcilerDeps, clusterId: string, before: ClusterRecord['status'] | undefined, after: ClusterStatusView): Promise<void> {
  const at = deps.now().toISOString();
  if (after.lastError && after.lastError !== before?.lastError) await deps.store.addEvent(clusterId, { type: 'error', message: after.lastError }, at);
  if (before?.status !== after.status) {
    const reason = after.conditions.find((c) => c.type === (after.status === 'running' ? 'Ready' : after.status === 'error' ? 'Stalled' : 'Reconciling'))?.message;
    await deps.store.addEvent(clusterId, { type: 'info', message: `status ${before ? `${before.status} → ` : ''}${after.status}${reason ? `: ${reason}` : ''}` }, at);
  }
}

function summary(s: ClusterRecord['status'] | undefined): string {
  if (!s) return '';
  const running = s.nodes.filter((n) => n.status === 'running').length;
  return `${s.status}: ${running}/${s.desiredNodes} nodes running`;
}

async function ensureRecord(deps: ReconcilerDeps, entry: DesiredEntry | undefined, vm: ObservedVm | undefined): Promise<void> {
  const id = entry?.kind === 'valid' ? entry.manifest.id : vm?.clusterId;
  if (!id) return;
  const m = entry?.kind === 'valid' ? entry.manifest : undefined;
  const file = entry?.kind === 'valid' ? entry.file : undefined;
  const known = deps.store.cluster(id);
  // Every pass calls this: rewriting the whole store for a record that is already right would
  // make an idle pass over N clusters write the store N times.
  if (known && (!m || (known.name === m.name && known.organizationId === m.organizationId && known.manifestFile === file))) return;
  const now = deps.now().toISOString();
  await deps.store.update((d) => {
    const rec = d.clusters[id];
    if (rec) {
      // The desired state lets an organizationId change through only with the record's approved
      // transfer (cluster.transfer), which is used up here.
      if (m && rec.organizationId !== m.organizationId) delete rec.transfer;
      if (m) {
        Object.assign(rec, { name: m.name, organizationId: m.organizationId, ...(file ? { manifestFile: file } : {}) });
        delete rec.orphan;
      }
      return;
    }
    d.clusters[id] = {
      id,
      name: m?.name ?? id,
      ...(file ? { manifestFile: file } : {}),
      organizationId: m?.organizationId ?? UNKNOWN_ORGANIZATION,
      ...(m ? {} : { orphan: true as const }),
      provider: (m?.provider ?? vm?.provider) as Provider,
      region: m?.region ?? vm?.region ?? '',
      orchestrator: m?.orchestrator ?? 'kubernetes',
      createdAt: now,
      lastNodeNumber: 0,
      initialized: false,
      intents: [],
      status: null,
      updatedAt: now,
      events: [],
    };
  });
}

async function finalize(ctx: PassContext): Promise<boolean> {
  const rec = ctx.deps.store.cluster(ctx.clusterId)!;
  // The status file goes before the record: were the process to die in between, the record
  // would still be there for the next pass to finalize again, so no status file outlives its
  // cluster (a record deleted first left status/<name>.yaml behind for good).
  if ((await ctx.deps.onPassEnd?.(rec, true)) === false) {
    throw new TransientError('StatusNotWritten', `the status file of deleted cluster ${rec.name} could not be removed yet`);
  }
  ctx.log.info({}, `cluster ${rec.name} deleted`);
  await ctx.deps.store.update((d) => {
    delete d.clusters[ctx.clusterId];
  });
  return true;
}
