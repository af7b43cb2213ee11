import { actualFromRecord as actualOf } from '../../reconcile/actual.js';
import { formatDiagnostic, loadRepository, type LoadedCluster, type RepoEntry, type RepositoryLoad } from '../../domain/manifest/repository.js';
import { planCluster, renderPlanMarkdown, summarizePlan, type Plan } from '../../domain/plan/index.js';
import type { ClusterRecord } from '../../store/types.js';
import type { CommitStatus, PullFile } from './client.js';
import { headPlan, identifyHead, ownerOf, RESTORED_NOTE, type IdentityScope } from './pr-identity.js';

/** Stable commit-status contexts (DESIGN §4); branch protection may require them. */
export const VALIDATE_CONTEXT = 'clusterops/validate';
export const PLAN_CONTEXT = 'clusterops/plan';
/** Hidden markers that find our comments again, so they are edited rather than repeated. */
export const PLAN_MARKER = '<!-- clusterops:plan -->';
export const RESULT_MARKER = '<!-- clusterops:result -->';
/** GitHub rejects a commit-status description longer than this. */
export const MAX_DESCRIPTION = 140;

/** Everything a pull request should show: two statuses and the plan comment's body. */
export interface PullRequestReport {
  validate: CommitStatus;
  plan: CommitStatus;
  comment: string;
  /** The plans behind the comment, each with its cluster's organization (for read-only views such as the dashboard). */
  clusters: PlannedCluster[];
}

/** One changed cluster's plan and the organization its manifest belongs to. */
export interface PlannedCluster {
  organizationId: string;
  plan: Plan;
}

export interface PullRequestReportInput {
  headSha: string;
  files: readonly PullFile[];
  /** `clusters/` at the head and at the base of the pull request. */
  head: readonly RepoEntry[];
  base: readonly RepoEntry[];
  /** Live observed state: records as the reconciler last saved them. */
  records: readonly ClusterRecord[];
}

/** True when the pull request touches a manifest (added, changed, renamed or removed). */
export function touchesClusters(files: readonly PullFile[]): boolean {
  return files.some((f) => isClusterPath(f.filename) || (f.previousFilename !== undefined && isClusterPath(f.previousFilename)));
}

function isClusterPath(path: string): boolean {
  return path.startsWith('clusters/');
}

/**
 * Pure: validates `clusters/` at the head, plans each changed valid cluster against its observed
 * state, comparing base and head by id (a removed id is restored, another id under the same name
 * replaces the cluster, a changed immutable field refuses the plan); a removed manifest plans the
 * cluster's deletion unless the head has errors under `clusters/` (the daemon then deletes
 * nothing). Renders statuses and comment.
 */
export function buildPullRequestReport(input: PullRequestReportInput): PullRequestReport {
  const head = loadRepository([...input.head]);
  const errors = head.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  const changed = new Set(input.files.flatMap((f) => [f.filename, f.previousFilename ?? '']).filter(isClusterPath));
  const scope: IdentityScope = { base: loadRepository([...input.base]), headIds: headIds(head), records: input.records };
  const clusters: PlannedCluster[] = [];
  const replacements: string[] = [];
  for (const c of head.clusters.filter((h) => changed.has(h.file))) {
    const identity = identifyHead(c, scope);
    clusters.push({ organizationId: ownerOf(c, identity, scope), plan: headPlan(c, identity, input.records) });
    if (identity.replaces && !identity.error) {
      const gone = deletionPlan(identity.replaces.cluster, input.records);
      clusters.push(gone);
      replacements.push(replacementNote(c.manifest.name, gone.plan, clusters.at(-2)!.plan));
    }
  }
  const held = head.invalid.length > 0;
  // Names are per organization: another organization's cluster of the same name keeps nothing alive.
  const headNames = new Set(head.clusters.map((c) => orgName(c.manifest)));
  if (!held) clusters.push(...deletionPlans(input, scope, headNames).filter((d) => !clusters.some((c) => c.plan.clusterId === d.plan.clusterId)));
  const plans = clusters.map((c) => c.plan);
  const invalidChanged = head.invalid.filter((i) => changed.has(i.file)).map((i) => i.name);
  return {
    validate: validateStatus(errors),
    plan: planStatus(plans, invalidChanged, errors.length, replacements),
    comment: renderComment(input.headSha, plans, errors, replacements),
    clusters,
  };
}

function orgName(m: { organizationId: string; name: string }): string {
  return `${m.organizationId}/${m.name}`;
}

function headIds(head: RepositoryLoad): Set<string> {
  return new Set([...head.clusters.map((c) => c.manifest.id), ...head.invalid.map((i) => i.id)].filter((id): id is string => id !== undefined));
}

function replacementNote(name: string, gone: Plan, created: Plan): string {
  const deleted = gone.actions.flatMap((a) => (a.type === 'deleteNode' ? [a.nodeId] : []));
  const creates = created.actions.filter((a) => a.type === 'createNode').length;
  const which = deleted.length > 0 ? ` (${deleted.join(', ')})` : '';
  return `${name} replaces cluster ${gone.clusterId} with new cluster ${created.clusterId}: deletes ${deleted.length} VM${deleted.length === 1 ? '' : 's'}${which}, creates ${creates}`;
}

/** Clusters whose manifest the pull request removes and whose id no file at the head still holds. */
function deletionPlans(input: PullRequestReportInput, scope: IdentityScope, headNames: ReadonlySet<string>): PlannedCluster[] {
  const removed = new Set(input.files.filter((f) => f.status === 'removed' || f.status === 'renamed').map((f) => f.previousFilename ?? f.filename));
  return scope.base.clusters
    .filter((c) => removed.has(c.file))
    // By id; a manifest never applied (no id yet) by name.
    .filter((c) => (c.manifest.id !== undefined ? !scope.headIds.has(c.manifest.id) : !headNames.has(orgName(c.manifest))))
    .map((c) => deletionPlan(c, input.records));
}

function deletionPlan(c: LoadedCluster, records: readonly ClusterRecord[]): PlannedCluster {
  const record = c.manifest.id !== undefined ? records.find((r) => r.id === c.manifest.id) : undefined;
  const where = record ? { provider: record.provider, region: record.region } : { provider: c.manifest.provider, region: c.manifest.region };
  return { organizationId: record?.organizationId ?? c.manifest.organizationId, plan: planCluster({ clusterId: c.manifest.id ?? '(never applied)', clusterName: c.manifest.name, desired: null, actual: actualOf(record), ...where }) };
}

function validateStatus(errors: readonly string[]): CommitStatus {
  if (errors.length === 0) return { context: VALIDATE_CONTEXT, state: 'success', description: 'All cluster manifests are valid' };
  const prefix = errors.length > 1 ? `${errors.length} errors; ` : '';
  return { context: VALIDATE_CONTEXT, state: 'failure', description: truncate(`${prefix}${errors[0]}`) };
}

/**
 * Fails on any error under `clusters/` (a misplaced or broken file: the daemon then holds every
 * deletion) and on a refused plan; a cluster replaced under a new id leads the description.
 */
function planStatus(plans: readonly Plan[], invalid: readonly string[], errorCount: number, replacements: readonly string[]): CommitStatus {
  const parts = [
    ...replacements.map((r) => `destructive: ${r}`),
    ...plans.map((p) => `${p.clusterName}: ${planLabel(p)}`),
    ...invalid.map((name) => `${name}: invalid manifest`),
    ...(errorCount > 0 && invalid.length === 0 ? [`clusters/ has ${errorCount} error${errorCount === 1 ? '' : 's'}`] : []),
  ];
  const failed = errorCount > 0 || plans.some((p) => p.errors.length > 0);
  return { context: PLAN_CONTEXT, state: failed ? 'failure' : 'success', description: truncate(parts.join('; ') || 'no changes') };
}

function planLabel(plan: Plan): string {
  const restored = plan.warnings.some((w) => w.startsWith(RESTORED_NOTE));
  return restored ? `id ${plan.clusterId} restored; ${summarizePlan(plan)}` : summarizePlan(plan);
}

export function truncate(text: string, max = MAX_DESCRIPTION): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function renderComment(headSha: string, plans: readonly Plan[], errors: readonly string[], replacements: readonly string[]): string {
  const blocks = [PLAN_MARKER, '## clusterops plan', `For commit \`${headSha.slice(0, 7)}\`. This comment is updated on every push.`];
  if (errors.length > 0) {
    blocks.push(`### ❌ Validation failed (${errors.length} ${errors.length === 1 ? 'error' : 'errors'})`);
    blocks.push(['```', ...errors, '```'].join('\n'));
    blocks.push('> [!IMPORTANT]\n> While any file under `clusters/` has an error, clusterops deletes no cluster: a cluster whose manifest is misplaced or broken stays as it is (`error`) until the file is fixed.');
  }
  if (replacements.length > 0) blocks.push(['> [!CAUTION]', ...replacements.map((r) => `> ${r}.`)].join('\n'));
  const destructive = plans.filter((p) => p.actions.some((a) => a.type === 'deleteNode' || a.type === 'replaceNode' || a.type === 'deleteCluster'));
  if (destructive.length > 0) {
    blocks.push(`> [!WARNING]\n> Destructive changes in ${destructive.map((p) => `\`${p.clusterName}\``).join(', ')}: review the plans below before merging.`);
  }
  blocks.push(...plans.map(renderPlanMarkdown));
  if (plans.length === 0 && errors.length === 0) blocks.push('No cluster changes.');
  return `${blocks.join('\n\n')}\n`;
}
