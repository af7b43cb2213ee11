import type { ActualCluster } from '../domain/plan/types.js';
import type { ObservedVm } from '../providers/types.js';
import type { ClusterRecord, ControlPlaneLoss, Intent } from '../store/types.js';
import { buildActual } from './actual.js';
import type { PassContext } from './apply.js';

/** How long a recreated control plane stays reported (reason `ControlPlaneRecreated`) after its bootstrap. */
export const RECREATED_NOTICE_MS = 24 * 60 * 60 * 1000;

/**
 * The managers of an initialised control plane when none of them is left, else null. A manager
 * is left while its VM exists, is not on its way out and has joined; `unreachable` names the
 * joined managers that have not answered for longer than the replacement window.
 */
export function lostManagers(rec: ClusterRecord, vmLevel: ActualCluster, unreachable: ReadonlySet<string>): string[] | null {
  if (!rec.initialized) return null;
  const members = rec.members ?? {};
  const roles = new Map([...(rec.status?.nodes ?? []), ...vmLevel.nodes].map((n) => [n.id, n.role]));
  const left = vmLevel.nodes.some((n) => n.role === 'manager' && members[n.id] !== undefined && n.status !== 'deleting' && !unreachable.has(n.id));
  if (left) return null;
  return Object.keys(members).filter((id) => roles.get(id) === 'manager').sort();
}

/**
 * Since when no joined manager has answered (ISO time), kept in the record across passes; null
 * once one answers. `answered`: this pass's member listing reached a manager.
 */
export async function noteManagersReach(ctx: PassContext, answered: boolean): Promise<ReadonlySet<string>> {
  const rec = ctx.deps.store.cluster(ctx.clusterId)!;
  const since = answered || !rec.initialized ? undefined : (rec.managersUnreachableSince ?? ctx.deps.now().toISOString());
  if (since !== rec.managersUnreachableSince) {
    await ctx.deps.store.update((d) => {
      const r = d.clusters[ctx.clusterId];
      if (!r) return;
      if (since === undefined) delete r.managersUnreachableSince;
      else r.managersUnreachableSince = since;
    });
  }
  if (since === undefined || ctx.deps.now().getTime() - Date.parse(since) < ctx.deps.limits.unhealthyReplaceAfterMs) return new Set();
  return new Set(Object.keys(rec.members ?? {}));
}

/**
 * Level-based recovery of a lost control plane (DESIGN §7): when no manager of an initialised
 * control plane is left, the loss is confirmed against a fresh listing (a lagging list must never
 * start a second control plane next to a live one), then journaled in one store write — the
 * control plane is no longer initialised, old memberships are void, the lost managers' VMs that
 * still exist are to be deleted, and the surviving members must leave before they rejoin. The
 * planner then creates managers and bootstraps a new control plane like a first init. Returns the
 * VMs to plan with (the fresh listing) when a loss was journaled, else null.
 */
export async function noteControlPlaneLoss(ctx: PassContext, vms: ObservedVm[], unreachable: ReadonlySet<string>): Promise<ObservedVm[] | null> {
  const { deps, clusterId } = ctx;
  await expireNotice(ctx, vms);
  if (lostManagers(deps.store.cluster(clusterId)!, buildActual(deps.store.cluster(clusterId)!, vms), unreachable) === null) return null;
  deps.observations.invalidate(ctx.adapter.provider);
  const fresh = (await deps.observations.vms(ctx.adapter.provider, 0, clusterId)).filter((v) => v.clusterId === clusterId);
  const rec = deps.store.cluster(clusterId)!;
  const lost = lostManagers(rec, buildActual(rec, fresh), unreachable);
  if (lost === null) return fresh;
  const at = deps.now().toISOString();
  const exists = new Map(fresh.map((v) => [v.nodeId, v]));
  const rejoin = Object.keys(rec.members ?? {}).filter((id) => !lost.includes(id) && exists.has(id)).sort();
  const doomed = lost.flatMap((id): Intent[] => {
    const vm = exists.get(id);
    const journaled = rec.intents.some((i) => i.kind === 'delete' && i.nodeId === id);
    return vm && !journaled ? [{ kind: 'delete', nodeId: id, providerId: vm.providerId, region: vm.region, at }] : [];
  });
  const loss: ControlPlaneLoss = { at, lost, rejoin };
  await deps.store.update((d) => {
    const r = d.clusters[clusterId]!;
    r.initialized = false;
    r.members = {};
    r.unhealthySince = {};
    delete r.managersUnreachableSince;
    r.controlPlaneLoss = loss;
    r.intents.push(...doomed);
  });
  const message = `control plane lost: ${describeLoss(lost, exists)}; a new one is bootstrapped${rejoin.length > 0 ? ` and ${rejoin.join(', ')} rejoin it` : ''}; workloads and cluster state of the old one do not survive`;
  ctx.log.warn({ lost, rejoin }, message);
  await deps.store.addEvent(clusterId, { type: 'error', message }, at);
  return fresh;
}

/** `node_001 gone, node_002 unreachable`: what happened to each lost manager. */
function describeLoss(lost: readonly string[], exists: ReadonlyMap<string, ObservedVm>): string {
  if (lost.length === 0) return 'no manager is left';
  return lost.map((id) => `${id} ${exists.has(id) ? 'unreachable' : 'gone'}`).join(', ');
}

/** A day after a recovery finished, its notice (and the record of it) goes, once no surviving node still has to rejoin. */
async function expireNotice(ctx: PassContext, vms: readonly ObservedVm[]): Promise<void> {
  const loss = ctx.deps.store.cluster(ctx.clusterId)?.controlPlaneLoss;
  if (!loss?.recreatedAt || ctx.deps.now().getTime() - Date.parse(loss.recreatedAt) < RECREATED_NOTICE_MS) return;
  if (vms.some((v) => loss.rejoin.includes(v.nodeId))) return;
  await ctx.deps.store.update((d) => {
    const r = d.clusters[ctx.clusterId];
    if (r) delete r.controlPlaneLoss;
  });
}
