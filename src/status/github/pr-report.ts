import { actualFromRecord as actualOf } from '../../reconcile/actual.js';
import { formatDiagnostic, loadRepository, type RepoEntry } from '../../domain/manifest/repository.js';
import { planCluster, renderPlanMarkdown, summarizePlan, type ActualCluster, type Plan } from '../../domain/plan/index.js';
import type { ClusterRecord } from '../../store/types.js';
import type { CommitStatus, PullFile } from './client.js';

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
 * state (a removed manifest plans the cluster's deletion) and renders statuses and comment.
 */
export function buildPullRequestReport(input: PullRequestReportInput): PullRequestReport {
  const head = loadRepository([...input.head]);
  const errors = head.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  const changed = new Set(input.files.flatMap((f) => [f.filename, f.previousFilename ?? '']).filter(isClusterPath));
  const clusters: PlannedCluster[] = head.clusters
    .filter((c) => changed.has(c.file))
    .map((c) => ({ organizationId: c.manifest.organizationId, plan: planCluster({ clusterId: c.manifest.id ?? '(assigned on apply)', clusterName: c.manifest.name, desired: c.manifest, actual: actualOf(findRecord(input.records, c.manifest)) }) }));
  clusters.push(...deletionPlans(input, head.clusters.map((c) => c.manifest)));
  const plans = clusters.map((c) => c.plan);
  const invalidChanged = head.invalid.filter((i) => changed.has(i.file)).map((i) => i.name);
  return {
    validate: validateStatus(errors),
    plan: planStatus(plans, invalidChanged),
    comment: renderComment(input.headSha, plans, errors),
    clusters,
  };
}

/** Clusters whose manifest the pull request removes and that no file at the head still declares. */
function deletionPlans(input: PullRequestReportInput, remaining: readonly { id?: string; name: string; organizationId: string }[]): PlannedCluster[] {
  const removed = new Set(input.files.filter((f) => f.status === 'removed' || f.status === 'renamed').map((f) => f.previousFilename ?? f.filename));
  const base = loadRepository([...input.base]).clusters.filter((c) => removed.has(c.file));
  return base
    // Names are per organization: another organization's cluster of the same name is not this one.
    .filter((c) => !remaining.some((r) => (c.manifest.id !== undefined && r.id === c.manifest.id) || (r.name === c.manifest.name && r.organizationId === c.manifest.organizationId)))
    .map((c) => {
      const record = findRecord(input.records, c.manifest);
      const where = record ? { provider: record.provider, region: record.region } : { provider: c.manifest.provider, region: c.manifest.region };
      return { organizationId: c.manifest.organizationId, plan: planCluster({ clusterId: c.manifest.id ?? '(never applied)', clusterName: c.manifest.name, desired: null, actual: actualOf(record), ...where }) };
    });
}

function findRecord(records: readonly ClusterRecord[], m: { id?: string; name: string; organizationId: string }): ClusterRecord | undefined {
  // A manifest without an id was never applied, but its name may match a record from a previous id;
  // only within its own organization (names are per organization, and a head claiming another
  // organization must not be planned against, and so shown, that organization's live cluster).
  return m.id !== undefined ? records.find((r) => r.id === m.id) : records.find((r) => r.name === m.name && r.organizationId === m.organizationId);
}

function validateStatus(errors: readonly string[]): CommitStatus {
  if (errors.length === 0) return { context: VALIDATE_CONTEXT, state: 'success', description: 'All cluster manifests are valid' };
  const prefix = errors.length > 1 ? `${errors.length} errors; ` : '';
  return { context: VALIDATE_CONTEXT, state: 'failure', description: truncate(`${prefix}${errors[0]}`) };
}

function planStatus(plans: readonly Plan[], invalid: readonly string[]): CommitStatus {
  const parts = [...plans.map((p) => `${p.clusterName}: ${summarizePlan(p)}`), ...invalid.map((name) => `${name}: invalid manifest`)];
  const failed = invalid.length > 0 || plans.some((p) => p.errors.length > 0);
  return { context: PLAN_CONTEXT, state: failed ? 'failure' : 'success', description: truncate(parts.join('; ') || 'no changes') };
}

export function truncate(text: string, max = MAX_DESCRIPTION): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function renderComment(headSha: string, plans: readonly Plan[], errors: readonly string[]): string {
  const blocks = [PLAN_MARKER, '## clusterops plan', `For commit \`${headSha.slice(0, 7)}\`. This comment is updated on every push.`];
  if (errors.length > 0) {
    blocks.push(`### ❌ Validation failed (${errors.length} ${errors.length === 1 ? 'error' : 'errors'})`);
    blocks.push(['```', ...errors, '```'].join('\n'));
  }
  const destructive = plans.filter((p) => p.actions.some((a) => a.type === 'deleteNode' || a.type === 'replaceNode' || a.type === 'deleteCluster'));
  if (destructive.length > 0) {
    blocks.push(`> [!WARNING]\n> Destructive changes in ${destructive.map((p) => `\`${p.clusterName}\``).join(', ')}: review the plans below before merging.`);
  }
  blocks.push(...plans.map(renderPlanMarkdown));
  if (plans.length === 0 && errors.length === 0) blocks.push('No cluster changes.');
  return `${blocks.join('\n\n')}\n`;
}
