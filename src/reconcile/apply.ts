import { lookupSize } from '../domain/catalogue/catalogue.js';
import type { ActualCluster, ActualNode, Plan, PlanAction } from '../domain/plan/types.js';
import { lossSummary } from '../domain/status/control-plane.js';
import type { Logger } from '../logger.js';
import type { OrchestratorAdapter } from '../orchestrators/types.js';
import type { ObservedVm, ProviderAdapter } from '../providers/types.js';
import type { ClusterRecord, Intent } from '../store/types.js';
import { StalledError, WaitingError } from './errors.js';
import { orchestratorCluster } from './membership.js';
import { mapLimit, settleAll } from './parallel.js';
import type { ReconcilerDeps } from './types.js';

/** One pass's handles on the cluster it works on. */
export interface PassContext {
  deps: ReconcilerDeps;
  clusterId: string;
  adapter: ProviderAdapter;
  orchestrator: OrchestratorAdapter;
  log: Logger;
}

const record = (ctx: PassContext): ClusterRecord => ctx.deps.store.cluster(ctx.clusterId)!;
const nowIso = (ctx: PassContext) => ctx.deps.now().toISOString();

/**
 * How long a VM the provider said it created may be missing from listings before it is read by id
 * (EC2 documents eventual consistency of Describe* after RunInstances; DigitalOcean's tag listings
 * lag too). Until then the node counts as provisioning; after, a direct read decides.
 */
export const LISTING_LAG_MS = 60_000;

/**
 * Finishes writes a previous pass (or process) journaled. A create: done once a listing shows its
 * VM; answered by the provider but not listed yet, it waits (the node is provisioning) and, past
 * LISTING_LAG_MS, is read by id (gone: the intent goes and the planner asks again); never
 * answered, it is issued again with the same request token (the provider returns the same VM). A
 * delete whose VM still exists is issued again (NotFound is success) unless the node is still an
 * orchestrator member, which the planner's deletion removes first. Returns the VMs as now known.
 */
export async function resumeIntents(ctx: PassContext, vms: ObservedVm[]): Promise<ObservedVm[]> {
  const byNode = new Map(vms.map((v) => [v.nodeId, v]));
  const intents = [...record(ctx).intents];
  const done = new Set<Intent>();
  const answered = new Map<string, string>();
  const known = [...vms];
  await settleAll(
    intents.map(async (intent) => {
      const vm = byNode.get(intent.nodeId);
      if (intent.kind === 'create') {
        if (vm) return void done.add(intent);
        if (intent.providerId === undefined) {
          const made = await ctx.adapter.create(createRequest(ctx, intent));
          known.push(made);
          return void answered.set(JSON.stringify(intent), made.providerId);
        }
        if (ctx.deps.now().getTime() - Date.parse(intent.answeredAt ?? intent.at) < LISTING_LAG_MS) return;
        const read = await ctx.adapter.get({ providerId: intent.providerId, region: intent.region });
        if (read) known.push(read);
        else done.add(intent);
      } else if (!vm) {
        done.add(intent);
      } else if (record(ctx).members?.[intent.nodeId] === undefined) {
        await ctx.adapter.delete(vm);
        ctx.deps.forgetHostKey?.(vm.providerId, vm.ip);
      }
      // Else the node is still an orchestrator member (its removal failed or was interrupted):
      // the planner's deletion takes it out of the orchestrator before deleting its VM.
    }),
  ).finally(async () => {
    // Nothing journaled, nothing to clear: an idle pass does not rewrite the store.
    if (done.size === 0 && answered.size === 0) return;
    const at = nowIso(ctx);
    await ctx.deps.store.update((d) => {
      const r = d.clusters[ctx.clusterId];
      if (r) r.intents = withAnswers(withoutIntents(r.intents, [...done]), answered, at);
    });
  });
  if (intents.some((i) => i.kind === 'create' && !byNode.has(i.nodeId))) ctx.deps.observations.invalidate(ctx.adapter.provider);
  return known;
}

function createRequest(ctx: PassContext, intent: Extract<Intent, { kind: 'create' }>) {
  const r = record(ctx);
  const setup = ctx.deps.vmSetup;
  const userData = setup?.userData?.(r.orchestrator);
  return {
    region: intent.region,
    clusterId: r.id,
    clusterName: r.name,
    nodeId: intent.nodeId,
    role: intent.role,
    plan: intent.plan,
    size: intent.size,
    requestToken: intent.requestToken,
    ...(userData ? { userData } : {}),
    ...(setup?.sshPublicKey ? { sshPublicKey: setup.sshPublicKey } : {}),
  };
}

/**
 * Executes a plan: creations in parallel (bounded), control-plane init once its manager runs,
 * deletions only once no node of the same role is still provisioning (surge first), workers in
 * parallel and managers one at a time. Returns the nodes as they stand after the writes.
 */
export async function applyPlan(ctx: PassContext, plan: Plan, actual: ActualCluster, vmLevel: ActualCluster): Promise<ActualNode[]> {
  const nodes = [...actual.nodes];
  const vmRunning = new Set(vmLevel.nodes.filter((n) => n.status === 'running').map((n) => n.id));
  await createNodes(ctx, plan.actions, nodes);
  await initControlPlane(ctx, plan.actions, nodes, vmRunning);
  await joinNodes(ctx, plan.actions, nodes, vmRunning);
  await deleteNodes(ctx, plan.actions, nodes);
  return nodes;
}

async function createNodes(ctx: PassContext, actions: readonly PlanAction[], nodes: ActualNode[]): Promise<void> {
  const r = record(ctx);
  const wanted = actions.flatMap((a) =>
    a.type === 'createNode' ? [{ nodeId: a.nodeId, role: a.role, plan: a.plan }] : a.type === 'replaceNode' ? [{ nodeId: a.newNodeId, role: a.role, plan: a.plan }] : [],
  );
  if (wanted.length === 0) return;
  const intents = wanted.map((w): Extract<Intent, { kind: 'create' }> => {
    const size = lookupSize(r.provider, r.region, w.plan);
    if (!size.ok) throw new StalledError('PlanUnavailable', size.message);
    return { kind: 'create', ...w, region: r.region, size: size.size.size, requestToken: ctx.deps.newToken(), at: nowIso(ctx) };
  });
  // Journal first: a crash after this line resumes these creates with the same tokens.
  await ctx.deps.store.update((d) => {
    const rec = d.clusters[ctx.clusterId]!;
    rec.intents.push(...intents);
    rec.lastNodeNumber = Math.max(rec.lastNodeNumber, ...intents.map((i) => Number(i.nodeId.slice(5))));
  });
  ctx.log.info({ nodes: intents.map((i) => i.nodeId) }, `creating ${intents.length} node${intents.length === 1 ? '' : 's'}`);
  ctx.deps.observations.invalidate(ctx.adapter.provider);
  const answered = new Map<string, string>();
  const created = await mapLimit(intents, ctx.deps.limits.createConcurrency, async (intent) => {
    const vm = await ctx.adapter.create(createRequest(ctx, intent));
    answered.set(JSON.stringify(intent), vm.providerId);
    nodes.push({ id: vm.nodeId, role: vm.role, plan: vm.plan, status: 'provisioning', providerId: vm.providerId, ...(vm.ip ? { ip: vm.ip } : {}), createdAt: vm.createdAt });
    await ctx.deps.store.addEvent(ctx.clusterId, { type: 'created', nodeId: vm.nodeId, message: `created ${vm.nodeId} (${vm.role}, ${vm.plan}) as ${vm.providerId}` }, nowIso(ctx));
    return intent;
  });
  // A stalled create made nothing; a fulfilled one stays journaled, with its VM's id, until a listing shows it.
  const at = nowIso(ctx);
  await ctx.deps.store.update((d) => {
    const rec = d.clusters[ctx.clusterId]!;
    rec.intents = withAnswers(withoutIntents(rec.intents, created.stalled), answered, at);
  });
  created.rethrow();
}

async function initControlPlane(ctx: PassContext, actions: readonly PlanAction[], nodes: ActualNode[], vmRunning: ReadonlySet<string>): Promise<void> {
  const init = actions.find((a): a is Extract<PlanAction, { type: 'initCluster' }> => a.type === 'initCluster');
  if (!init || !vmRunning.has(init.nodeId)) return;
  const node = nodes.find((n) => n.id === init.nodeId)!;
  const memberId = await ctx.orchestrator.init(orchestratorCluster(record(ctx), nodes), node);
  const recovering = record(ctx).controlPlaneLoss?.recreatedOn === undefined ? record(ctx).controlPlaneLoss : undefined;
  const at = nowIso(ctx);
  await ctx.deps.store.update((d) => {
    const rec = d.clusters[ctx.clusterId]!;
    rec.initialized = true;
    rec.members = { ...rec.members, [node.id]: memberId };
    if (recovering && rec.controlPlaneLoss) Object.assign(rec.controlPlaneLoss, { recreatedOn: node.id, recreatedAt: at });
  });
  markJoined(node);
  if (recovering) {
    const message = lossSummary({ lost: recovering.lost, recreatedOn: node.id });
    ctx.log.warn({ node: node.id, lost: recovering.lost }, message);
    await ctx.deps.store.addEvent(ctx.clusterId, { type: 'initialized', nodeId: node.id, message }, at);
    return;
  }
  ctx.log.info({ node: node.id }, `initialised the ${record(ctx).orchestrator} control plane on ${node.id}`);
  await ctx.deps.store.addEvent(ctx.clusterId, { type: 'initialized', nodeId: node.id, message: `control plane initialised on ${node.id}` }, at);
}

/**
 * Joins running VMs that are not members yet: managers one at a time (each changes the control
 * plane), then workers in parallel. Nodes on their way out are not joined.
 */
async function joinNodes(ctx: PassContext, actions: readonly PlanAction[], nodes: ActualNode[], vmRunning: ReadonlySet<string>): Promise<void> {
  if (!record(ctx).initialized) return;
  const leaving = new Set(actions.flatMap((a) => (a.type === 'deleteNode' || a.type === 'replaceNode' ? [a.nodeId] : [])));
  const members = record(ctx).members ?? {};
  // Not a member yet, or no longer listed by the orchestrator (join is idempotent either way).
  const pending = nodes.filter((n) => vmRunning.has(n.id) && (members[n.id] === undefined || n.orchestratorStatus === 'not-joined') && !leaving.has(n.id));
  const joinOne = async (node: ActualNode) => {
    // A survivor of a lost control plane leaves it first (journaled once done; leaving again is harmless).
    const rejoin = record(ctx).controlPlaneLoss?.rejoin.includes(node.id) ?? false;
    if (rejoin) {
      await ctx.orchestrator.leave(node);
      await ctx.deps.store.update((d) => {
        const loss = d.clusters[ctx.clusterId]?.controlPlaneLoss;
        if (loss) loss.rejoin = loss.rejoin.filter((id) => id !== node.id);
      });
    }
    const memberId = await ctx.orchestrator.join(orchestratorCluster(record(ctx), nodes), node);
    await ctx.deps.store.update((d) => {
      const rec = d.clusters[ctx.clusterId]!;
      rec.members = { ...rec.members, [node.id]: memberId };
    });
    markJoined(node);
    const message = rejoin ? `${node.id} left the lost control plane and joined the new one as ${node.role}` : `${node.id} joined as ${node.role}`;
    await ctx.deps.store.addEvent(ctx.clusterId, { type: 'joined', nodeId: node.id, message }, nowIso(ctx));
  };
  for (const m of pending.filter((n) => n.role === 'manager')) await joinOne(m);
  const workers = await mapLimit(pending.filter((n) => n.role === 'worker'), ctx.deps.limits.createConcurrency, joinOne);
  if (pending.length > 0) ctx.log.info({ nodes: pending.map((n) => n.id) }, `joining ${pending.length} node${pending.length === 1 ? '' : 's'}`);
  workers.rethrow();
}

function markJoined(node: ActualNode): void {
  node.status = 'running';
  node.orchestratorStatus = 'ready';
}

async function deleteNodes(ctx: PassContext, actions: readonly PlanAction[], nodes: ActualNode[]): Promise<void> {
  const deletes = actions.filter((a): a is Extract<PlanAction, { type: 'deleteNode' }> => a.type === 'deleteNode');
  // Deleting the whole cluster: no drain, no leaving the orchestrator one node at a time (Cluster API does the same),
  // and no waiting for replacements: nodes that never joined (still booting, unreachable, adopted orphans) go too.
  const wholeCluster = actions.some((a) => a.type === 'deleteCluster');
  const ready = wholeCluster ? deletes : deletes.filter((d) => !nodes.some((n) => n.role === d.role && n.status === 'provisioning'));
  const workers = ready.filter((d) => d.role === 'worker');
  const managers = ready.filter((d) => d.role === 'manager').slice(0, wholeCluster ? undefined : workers.length === 0 ? 1 : 0);
  const result = await mapLimit([...workers, ...managers], ctx.deps.limits.createConcurrency, (d) => deleteNode(ctx, d, nodes, wholeCluster));
  result.rethrow();
  if (ready.length < deletes.length) throw new WaitingError('WaitingForReplacement', 'waiting for new nodes before removing old ones', ctx.deps.limits.requeueMs);
}

async function deleteNode(ctx: PassContext, action: Extract<PlanAction, { type: 'deleteNode' }>, nodes: ActualNode[], wholeCluster: boolean): Promise<void> {
  const node = nodes.find((n) => n.id === action.nodeId)!;
  if (node.providerId === '') return; // a create still resolving: the next pass sees its VM
  const region = record(ctx).region;
  const cluster = orchestratorCluster(record(ctx), nodes);
  const joined = cluster.members[node.id] !== undefined && !wholeCluster;
  if (action.drain && joined) {
    node.status = 'draining';
    // Spans passes (WaitingError while tasks move); the node counts as leaving meanwhile since
    // the orchestrator lists it as draining. Journaling the delete before the drain finished
    // would let the next pass's resumeIntents delete the VM under its running tasks.
    await ctx.orchestrator.drain(cluster, node);
    await ctx.deps.store.addEvent(ctx.clusterId, { type: 'drained', nodeId: node.id, message: `drained ${node.id}` }, nowIso(ctx));
  }
  await ctx.deps.store.update((d) => {
    const rec = d.clusters[ctx.clusterId]!;
    if (!rec.intents.some((i) => i.kind === 'delete' && i.nodeId === node.id)) {
      rec.intents.push({ kind: 'delete', nodeId: node.id, providerId: node.providerId, region, at: nowIso(ctx) });
    }
  });
  if (joined) await ctx.orchestrator.remove(cluster, node);
  await ctx.adapter.delete({ providerId: node.providerId, region });
  // Clouds hand the address to new VMs: the old VM's host key must not judge them.
  ctx.deps.forgetHostKey?.(node.providerId, node.ip);
  await ctx.deps.store.update((d) => {
    const rec = d.clusters[ctx.clusterId]!;
    if (rec.members) delete rec.members[node.id];
    if (rec.unhealthySince) delete rec.unhealthySince[node.id];
  });
  node.status = 'deleting';
  ctx.deps.observations.invalidate(ctx.adapter.provider);
  await ctx.deps.store.addEvent(ctx.clusterId, { type: 'deleted', nodeId: node.id, message: `deleting ${node.id} (${action.reason})` }, nowIso(ctx));
}

/** Create intents the provider answered (by value → VM id), with the id and when it answered. */
function withAnswers(intents: readonly Intent[], answered: ReadonlyMap<string, string>, at: string): Intent[] {
  return intents.map((i) => {
    const providerId = i.kind === 'create' ? answered.get(JSON.stringify(i)) : undefined;
    return providerId ? { ...i, providerId, answeredAt: at } : i;
  });
}

/**
 * `intents` without `finished`, compared by value: a store update runs on a copy of the data
 * first (the copy is what reaches the disk), where the journaled objects are copies too.
 */
function withoutIntents(intents: readonly Intent[], finished: readonly Intent[]): Intent[] {
  const gone = new Set(finished.map((i) => JSON.stringify(i)));
  return intents.filter((i) => !gone.has(JSON.stringify(i)));
}
