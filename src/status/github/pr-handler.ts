import type { RepoEntry } from '../../domain/manifest/repository.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import type { CommitStatus, GitHubClient } from './client.js';
import { buildPullRequestReport, PLAN_MARKER, RESULT_MARKER, touchesClusters, type PlannedCluster } from './pr-report.js';

/** What a comment write did. */
export type CommentOutcome = 'created' | 'updated' | 'unchanged';

/** What one `ensurePullRequest` did; `skipped` when the pull request touches no manifest. */
export type PullRequestOutcome =
  | { skipped: true; reason: 'NoClusterChanges' | 'NotOpen' }
  | { skipped: false; headSha: string; validate: CommitStatus & { written: boolean }; plan: CommitStatus & { written: boolean }; comment: CommentOutcome };

/** What clusterops last worked out for an open pull request (read-only views, e.g. the dashboard). */
export interface PullRequestPlanView {
  number: number;
  headSha: string;
  validate: CommitStatus;
  plan: CommitStatus;
  /** Each changed cluster's plan with its organization, so views show each reader only their clusters. */
  clusters: PlannedCluster[];
  /** ISO time of the last check. */
  checkedAt: string;
}

/** How the apply of a merged pull request ended, as the reconciler reports it. */
export interface MergeResult {
  converged: boolean;
  summary: string;
  durationMs: number;
  errors?: string[];
}

export interface PullRequestHandlerDeps {
  github: GitHubClient;
  /** The `clusters/` entries at a commit (the caller reads Git). */
  readFilesAt: (sha: string) => Promise<RepoEntry[]>;
  /** Read only: the live observed state to plan against. */
  store: Pick<Store, 'clusters'>;
  log: Logger;
}

/**
 * Keeps a pull request's GitHub status in line with its manifests. Every method is an ensure:
 * it reads first, writes only what differs, and may be called any number of times (any event,
 * any order); a second call with nothing changed makes no write. Errors are the client's
 * (`TransientError` / `StalledError`); a call that threw is safe to repeat.
 */
export interface PullRequestHandler {
  /** Statuses `clusterops/validate` + `clusterops/plan` on the head, and the one plan comment. */
  ensurePullRequest(number: number): Promise<PullRequestOutcome>;
  /** The one result comment on a merged pull request (edited if the result changes); null if not merged. */
  ensureMergedResult(number: number, result: MergeResult): Promise<CommentOutcome | null>;
  /** Read only: the open pull requests that change manifests, as last checked, by number. */
  openPlans(): PullRequestPlanView[];
  /** Drops what is known of a pull request (closed or merged). */
  forget(number: number): void;
}

export function createPullRequestHandler(deps: PullRequestHandlerDeps): PullRequestHandler {
  const { github } = deps;
  const known = new Map<number, PullRequestPlanView>();

  async function ensureStatus(sha: string, current: readonly CommitStatus[], wanted: CommitStatus): Promise<boolean> {
    const now = current.find((s) => s.context === wanted.context);
    if (now && now.state === wanted.state && now.description === wanted.description) return false;
    await github.setStatus(sha, wanted);
    return true;
  }

  /** Finds our comment by its marker and makes its body `body`; never creates a second one. */
  async function ensureComment(number: number, marker: string, body: string): Promise<CommentOutcome> {
    const ours = (await github.comments(number)).find((c) => c.body.includes(marker));
    if (!ours) {
      await github.createComment(number, body);
      return 'created';
    }
    if (ours.body === body) return 'unchanged';
    await github.updateComment(ours.id, body);
    return 'updated';
  }

  return {
    async ensurePullRequest(number) {
      const log = deps.log.child({ pr: number });
      const pr = await github.pull(number);
      if (pr.state !== 'open') {
        known.delete(number);
        return { skipped: true, reason: 'NotOpen' };
      }
      const files = await github.pullFiles(number);
      if (!touchesClusters(files)) {
        known.delete(number);
        log.debug({}, 'pull request changes no cluster manifest');
        return { skipped: true, reason: 'NoClusterChanges' };
      }
      const [head, base, current] = await Promise.all([deps.readFilesAt(pr.headSha), deps.readFilesAt(pr.baseSha), github.statuses(pr.headSha)]);
      const report = buildPullRequestReport({ headSha: pr.headSha, files, head, base, records: deps.store.clusters() });
      const validate = { ...report.validate, written: await ensureStatus(pr.headSha, current, report.validate) };
      const plan = { ...report.plan, written: await ensureStatus(pr.headSha, current, report.plan) };
      known.set(number, { number, headSha: pr.headSha, validate: report.validate, plan: report.plan, clusters: report.clusters, checkedAt: new Date().toISOString() });
      const comment = await ensureComment(number, PLAN_MARKER, report.comment);
      log.info({ headSha: pr.headSha, validate: validate.state, plan: plan.state, comment }, 'pull request status ensured');
      return { skipped: false, headSha: pr.headSha, validate, plan, comment };
    },

    async ensureMergedResult(number, result) {
      const pr = await github.pull(number);
      if (!pr.merged) return null;
      const outcome = await ensureComment(number, RESULT_MARKER, renderResult(pr.mergeCommitSha, result));
      deps.log.info({ pr: number, converged: result.converged, comment: outcome }, 'merge result ensured');
      return outcome;
    },

    openPlans: () => [...known.values()].sort((a, b) => a.number - b.number),
    forget: (number) => void known.delete(number),
  };
}

function renderResult(mergeSha: string | null, result: MergeResult): string {
  const commit = mergeSha ? ` \`${mergeSha.slice(0, 7)}\`` : '';
  const head = result.converged
    ? `✅ Applied${commit}: converged in ${formatDuration(result.durationMs)}.`
    : `❌ Applied${commit} but not converged after ${formatDuration(result.durationMs)}.`;
  const blocks = [RESULT_MARKER, '## clusterops result', head, result.summary];
  if (result.errors && result.errors.length > 0) blocks.push(['**Errors**', '', ...result.errors.map((e) => `- ${e}`)].join('\n'));
  return `${blocks.join('\n\n')}\n`;
}

/** `1m 05s`, `42s`, `850ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}
