import type { ActualNode, Plan } from '../plan/types.js';
import { lossSummary, type ControlPlaneLossView } from './control-plane.js';
import type { ClusterStatus, ClusterStatusView, Condition, NodeView } from './types.js';

/** Why a pass could not do its work, as the reconciler classified it. */
export interface PassError {
  kind: 'transient' | 'waiting' | 'stalled';
  reason: string;
  message: string;
}

/** Everything status derivation needs; derived once at the end of every pass (DESIGN §4). */
export interface StatusInput {
  revision: string;
  /** `invalid`: the manifest failed validation; `held`: its deletion is held back for confirmation. */
  mode: 'normal' | 'deleting' | 'invalid' | 'held';
  /** The validation or hold message for `invalid` / `held`; for `deleting`, who confirmed a held deletion. */
  message?: string;
  plan: Plan | null;
  nodes: readonly NodeView[];
  error?: PassError;
  /** The cluster has been ready before: later work is `updating`, not `provisioning`. */
  everReady: boolean;
  desiredNodes: number;
  /** Every manager of the control plane was lost; a new one is being (or was lately) bootstrapped. */
  controlPlaneLoss?: ControlPlaneLossView;
}

/** Derives status and conditions from what the pass saw. Pure. */
export function deriveStatus(input: StatusInput): ClusterStatusView {
  const [status, ready, reconciling, stalled] = decide(input);
  const conditions = [ready, reconciling, stalled].map((c) => ({ ...c, observedRevision: input.revision }));
  return {
    status,
    conditions,
    nodes: [...input.nodes].sort((a, b) => a.id.localeCompare(b.id)),
    observedRevision: input.revision,
    lastError: input.error && input.error.kind !== 'waiting' ? input.error.message : stalled.status ? stalled.message : null,
    desiredNodes: input.desiredNodes,
  };
}

type Cond = Omit<Condition, 'observedRevision'>;
const cond = (type: Condition['type'], status: boolean, reason: string, message: string): Cond => ({ type, status, reason, message });

function decide(input: StatusInput): [ClusterStatus, Cond, Cond, Cond] {
  const notStalled = cond('Stalled', false, 'Progressing', '');
  const stalledBy = (reason: string, message: string): [ClusterStatus, Cond, Cond, Cond] => [
    'error',
    cond('Ready', false, reason, message),
    cond('Reconciling', false, reason, 'waiting for the manifest to change'),
    cond('Stalled', true, reason, message),
  ];
  if (input.mode === 'invalid') return stalledBy('InvalidManifest', input.message ?? 'the manifest is invalid');
  if (input.mode === 'held') return stalledBy('DeletionHeld', input.message ?? 'deletion held back');
  const loss = input.controlPlaneLoss;
  if (loss && !loss.recreatedOn && input.mode === 'normal' && input.error && input.error.kind !== 'waiting') {
    // No control plane works and none could be made yet: that is an error, not an update in
    // progress (retried with backoff all the same, or when the manifest changes if stalled).
    const [status, ready, , stalled] = stalledBy('ControlPlaneLost', `${lossSummary(loss)}; cannot recreate it yet: ${input.error.message}`);
    const retry = input.error.kind === 'transient' ? 'retrying with backoff' : 'waiting for the manifest to change or the next resync';
    return [status, ready, cond('Reconciling', false, 'ControlPlaneLost', retry), stalled];
  }
  if (input.error?.kind === 'stalled') return stalledBy(input.error.reason, input.error.message);
  const refused = input.plan?.errors[0];
  if (refused) return stalledBy(refused.reason, refused.message);
  if (input.mode === 'deleting') {
    const left = input.nodes.length;
    return ['deleting', cond('Ready', false, 'Deleting', `deleting: ${left} node${left === 1 ? '' : 's'} left`), cond('Reconciling', true, 'Deleting', input.message ? `the manifest was removed; ${input.message}` : 'the manifest was removed'), notStalled];
  }
  const running = input.nodes.filter((n) => n.status === 'running').length;
  const progress = `${running}/${input.desiredNodes} nodes running`;
  const busy = (input.plan?.actions.length ?? 0) > 0 || input.nodes.some((n) => n.status !== 'running' && n.status !== 'unhealthy' && n.status !== 'error');
  // A lost control plane is said in every condition until a day after the new one is up.
  const lossReason = loss ? (loss.recreatedOn ? 'ControlPlaneRecreated' : 'ControlPlaneLost') : undefined;
  const withLoss = (text: string) => (loss ? `${lossSummary(loss)}; ${text}` : text);
  if (busy || input.error) {
    const reason = lossReason ?? (input.error ? (input.error.kind === 'waiting' ? input.error.reason : 'RetryingAfterError') : 'Progressing');
    const message = withLoss(input.error && input.error.kind !== 'waiting' ? `${progress}; retrying: ${input.error.message}` : progress);
    return [input.everReady ? 'updating' : 'provisioning', cond('Ready', false, reason, message), cond('Reconciling', true, reason, message), notStalled];
  }
  const unhealthy = input.nodes.filter((n) => n.status === 'unhealthy' || n.status === 'error');
  if (unhealthy.length > 0) {
    const message = `${unhealthy.map((n) => n.id).join(', ')} ${unhealthy.length === 1 ? 'is' : 'are'} unhealthy; ${progress}`;
    return ['degraded', cond('Ready', false, 'NodesUnhealthy', message), cond('Reconciling', false, 'Converged', progress), notStalled];
  }
  return ['running', cond('Ready', true, lossReason ?? 'Converged', withLoss(progress)), cond('Reconciling', false, 'Converged', progress), notStalled];
}

/** A node as users see it. */
export function toNodeView(n: ActualNode): NodeView {
  return { id: n.id, role: n.role, plan: n.plan, ip: n.ip ?? null, status: n.status, ...(n.orchestratorStatus ? { orchestratorStatus: n.orchestratorStatus } : {}) };
}
