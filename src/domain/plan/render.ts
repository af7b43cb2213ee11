import { formatMoney, formatMoneyDelta, monthlyDelta } from './money.js';
import type { Plan, PlanAction } from './types.js';

/** How many actions of each kind a plan holds. */
interface ActionCounts {
  create: number;
  replace: number;
  delete: number;
  init: boolean;
  /** The init bootstraps a new control plane in place of a lost one. */
  bootstrap: boolean;
  deleteCluster: boolean;
}

function countActions(actions: readonly PlanAction[]): ActionCounts {
  const count = (type: PlanAction['type']) => actions.filter((a) => a.type === type).length;
  return {
    create: count('createNode'),
    replace: count('replaceNode'),
    delete: count('deleteNode'),
    init: count('initCluster') > 0,
    bootstrap: actions.some((a) => a.type === 'initCluster' && a.recreate !== undefined),
    deleteCluster: count('deleteCluster') > 0,
  };
}

/** Terraform-like text: one line per action (`+` create, `~` replace or init, `-` delete), then a summary. */
export function renderPlanText(plan: Plan): string {
  const lines = [`Cluster ${plan.clusterName} (${plan.clusterId}):`];
  lines.push(...plan.errors.map((e) => `  Error: ${e.reason}: ${e.message}`));
  lines.push(...plan.actions.map((a) => `  ${textLine(a, plan.clusterName)}`));
  lines.push(...plan.warnings.map((w) => `  Warning: ${w}`));
  if (plan.actions.length > 0) lines.push(textFacts(plan));
  lines.push(textSummary(plan));
  return lines.join('\n');
}

function textFacts(plan: Plan): string {
  const { quorum: q, cost } = plan;
  const managers = `Managers: ${q.managersBefore} → ${q.managersAfter} (quorum ${q.quorumBefore} → ${q.quorumAfter})`;
  const money = `monthly cost ${formatMoney(cost.monthlyBefore, cost.currency)} → ${formatMoney(cost.monthlyAfter, cost.currency)} (${formatMoneyDelta(monthlyDelta(plan), cost.currency)})`;
  const basis = priceBasis(plan);
  return `${managers}; ${money}${basis ? ` — ${basis}` : ''}.`;
}

/** What the prices cover, and a caution when a figure behind them is unverified. */
function priceBasis({ cost }: Plan): string {
  if (!cost.includes) return '';
  return `list prices of ${cost.includes}${cost.unverified ? '; some figures unverified' : ''}`;
}

function textLine(action: PlanAction, clusterName: string): string {
  switch (action.type) {
    case 'createNode':
      return `+ create ${action.nodeId} (${action.role}, ${action.plan}): ${action.reason}`;
    case 'initCluster':
      return `~ ${action.recreate ? 'bootstrap a new control plane on' : 'init'} ${action.nodeId}: ${action.reason}`;
    case 'replaceNode': {
      const what = `${action.role}, ${action.fromPlan} → ${action.plan}`;
      return `~ replace ${action.nodeId} with ${action.newNodeId} (${what}): ${action.reason}`;
    }
    case 'deleteNode': {
      const what = `${action.role}, ${action.plan}, ${action.drain ? 'drain first' : 'no drain'}`;
      return `- delete ${action.nodeId} (${what}): ${action.reason}`;
    }
    case 'deleteCluster':
      return `- delete cluster ${clusterName}: ${action.reason}`;
  }
}

function textSummary(plan: Plan): string {
  if (plan.errors.length > 0) return 'Plan refused: nothing will change until the manifest is fixed.';
  if (plan.actions.length === 0) return `No changes. Cluster ${plan.clusterName} matches its manifest.`;
  const c = countActions(plan.actions);
  const tail = [
    c.bootstrap ? 'a new control plane will be bootstrapped in place of the lost one' : c.init ? 'the control plane will be initialised' : '',
    c.deleteCluster ? `cluster ${plan.clusterName} will be deleted` : '',
  ].filter(Boolean);
  const counts = `Plan: ${c.create} to create, ${c.replace} to replace, ${c.delete} to delete`;
  return `${counts}${tail.length > 0 ? `; ${tail.join('; ')}` : ''}.`;
}

/**
 * Markdown for a pull-request comment: a heading, a table of actions, manager quorum and
 * monthly cost before → after, and a warning callout for anything destructive.
 */
export function renderPlanMarkdown(plan: Plan): string {
  const blocks = [`### Cluster \`${plan.clusterName}\``];
  if (plan.errors.length > 0) {
    blocks.push('**Plan refused**: nothing will change until the manifest is fixed.');
    blocks.push(...plan.errors.map((e) => `> ❌ **${e.reason}**: ${escapeCell(e.message)}`));
  } else if (plan.actions.length === 0) {
    blocks.push(`No changes. Cluster \`${plan.clusterName}\` matches its manifest.`);
  } else {
    blocks.push(markdownTable(plan));
  }
  blocks.push(markdownFacts(plan));
  const destructive = destructiveNote(plan);
  if (destructive) blocks.push(`> ⚠️ **Destructive:** ${destructive}`);
  blocks.push(...plan.warnings.map((w) => `> ⚠️ ${w}`));
  return blocks.join('\n\n');
}

function markdownTable(plan: Plan): string {
  const rows = plan.actions.map((a) => `| ${markdownCells(a).map(escapeCell).join(' | ')} |`);
  return ['| Action | Node | Role | Plan | Reason |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function markdownCells(action: PlanAction): string[] {
  switch (action.type) {
    case 'createNode':
      return ['create', `\`${action.nodeId}\``, action.role, action.plan, action.reason];
    case 'initCluster':
      return [action.recreate ? 'bootstrap new control plane' : 'init', `\`${action.nodeId}\``, 'manager', '', action.reason];
    case 'replaceNode': {
      const nodes = `\`${action.nodeId}\` → \`${action.newNodeId}\``;
      return ['replace', nodes, action.role, `${action.fromPlan} → ${action.plan}`, action.reason];
    }
    case 'deleteNode':
      return [action.drain ? 'drain, delete' : 'delete', `\`${action.nodeId}\``, action.role, action.plan, action.reason];
    case 'deleteCluster':
      return ['delete cluster', '', '', '', action.reason];
  }
}

function markdownFacts(plan: Plan): string {
  const { quorum: q, cost } = plan;
  const delta = formatMoneyDelta(monthlyDelta(plan), cost.currency);
  return [
    `- Managers: ${q.managersBefore} → ${q.managersAfter} (quorum ${q.quorumBefore} → ${q.quorumAfter})`,
    `- Monthly cost: ${formatMoney(cost.monthlyBefore, cost.currency)} → ` +
      `${formatMoney(cost.monthlyAfter, cost.currency)} (${delta}/mo, ${cost.currency})`,
    ...(cost.includes ? [`  - ${escapeCell(capitalize(priceBasis(plan)))}`] : []),
  ].join('\n');
}

function destructiveNote(plan: Plan): string | undefined {
  const ids = (type: 'deleteNode' | 'replaceNode') =>
    plan.actions.flatMap((a) => (a.type === type ? [`\`${a.nodeId}\``] : []));
  const deleted = ids('deleteNode');
  const replaced = ids('replaceNode');
  const parts = [
    deleted.length > 0 ? `${nodes(deleted.length)} deleted (${deleted.join(', ')})` : '',
    replaced.length > 0 ? `${nodes(replaced.length)} replaced (${replaced.join(', ')})` : '',
    plan.actions.some((a) => a.type === 'deleteCluster') ? `cluster \`${plan.clusterName}\` deleted` : '',
    countActions(plan.actions).bootstrap ? 'a new control plane is bootstrapped: workloads and cluster state of the lost one do not survive' : '',
  ].filter(Boolean);
  return parts.length > 0 ? `${parts.join('; ')}.` : undefined;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** One line for logs and lists: `+2 nodes, −1 node, ~1 replaced, +$12.00/mo`. */
export function summarizePlan(plan: Plan): string {
  if (plan.errors.length > 0) return `refused: ${plan.errors.map((e) => e.reason).join(', ')}`;
  const c = countActions(plan.actions);
  const delta = monthlyDelta(plan);
  const parts = [
    c.create > 0 ? `+${nodes(c.create)}` : '',
    c.delete > 0 ? `−${nodes(c.delete)}` : '',
    c.replace > 0 ? `~${c.replace} replaced` : '',
    c.bootstrap ? 'control plane bootstrap' : c.init ? 'control plane init' : '',
    c.deleteCluster ? 'cluster deleted' : '',
    delta !== 0 ? `${formatMoneyDelta(delta, plan.cost.currency)}/mo` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

function nodes(n: number): string {
  return `${n} node${n === 1 ? '' : 's'}`;
}
