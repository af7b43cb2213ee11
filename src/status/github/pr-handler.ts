import type { RepoEntry } from '../../domain/manifest/repository.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import { StalledError } from '../../reconcile/errors.js';
import type { ClusterRecord } from '../../store/types.js';
import type { CommitStatus, GitHubClient, PullRequest } from './client.js';
import { capComment } from './comment-cap.js';
import { oversizedManifests, oversizeReport } from './oversize.js';
import { buildPullRequestReport, PLAN_CONTEXT, PLAN_MARKER, RESULT_MARKER, touchesClusters, type PlannedCluster, type PullRequestReport } from './pr-report.js';

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
  /** The report builder (default `buildPullRequestReport`); injected by tests that count parses. */
  buildReport?: typeof buildPullRequestReport;
}

/** The last check of one pull request: what it was for, and what it concluded. */
interface Checked {
  /** Head, base and the live state planned against: the same key needs no new check. */
  key: string;
  /** Head and base: a comment GitHub refused is not tried again for them. */
  head: string;
  outcome: PullRequestOutcome;
  stalled: boolean;
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
  const build = deps.buildReport ?? buildPullRequestReport;
  const known = new Map<number, PullRequestPlanView>();
  const checked = new Map<number, Checked>();

  async function ensureStatus(sha: string, current: readonly CommitStatus[], wanted: CommitStatus): Promise<boolean> {
    const now = current.find((s) => s.context === wanted.context);
    if (now && now.state === wanted.state && now.description === wanted.description) return false;
    await github.setStatus(sha, wanted);
    return true;
  }

  /** Finds our comment by its marker and makes its body `body` (capped at GitHub's limit); never creates a second one. */
  async function ensureComment(number: number, marker: string, text: string): Promise<CommentOutcome> {
    const body = capComment(text);
    const ours = (await github.comments(number)).find((c) => c.body.includes(marker));
    if (!ours) {
      await github.createComment(number, body);
      return 'created';
    }
    if (ours.body === body) return 'unchanged';
    await github.updateComment(ours.id, body);
    return 'updated';
  }

  /** Reads, plans and writes one pull request's statuses and plan comment; a refused comment stalls this head. */
  async function check(number: number, pr: PullRequest, key: string, head: string): Promise<PullRequestOutcome> {
    const log = deps.log.child({ pr: number });
    const files = await github.pullFiles(number);
    if (!touchesClusters(files)) {
      known.delete(number);
      return remember(number, { key, head, stalled: false, outcome: { skipped: true, reason: 'NoClusterChanges' } });
    }
    const [headFiles, base, current] = await Promise.all([deps.readFilesAt(pr.headSha), deps.readFilesAt(pr.baseSha), github.statuses(pr.headSha)]);
    const oversized = oversizedManifests(headFiles);
    const report: PullRequestReport = oversized.length > 0 ? oversizeReport(pr.headSha, oversized) : build({ headSha: pr.headSha, files, head: headFiles, base, records: deps.store.clusters() });
    const validate = { ...report.validate, written: await ensureStatus(pr.headSha, current, report.validate) };
    let plan = { ...report.plan, written: await ensureStatus(pr.headSha, current, report.plan) };
    known.set(number, { number, headSha: pr.headSha, validate: report.validate, plan: report.plan, clusters: report.clusters, checkedAt: new Date().toISOString() });
    let comment: CommentOutcome = 'unchanged';
    let stalled = false;
    try {
      comment = await ensureComment(number, PLAN_MARKER, report.comment);
    } catch (err) {
      if (!(err instanceof StalledError)) throw err;
      // GitHub will refuse the same comment again: say so on the head, and stop trying until it moves.
      stalled = true;
      const refused: CommitStatus = { context: PLAN_CONTEXT, state: 'error', description: `GitHub refused the plan comment (${err.message.replace(/^.* with /, '')}); not retried for this commit` };
      plan = { ...refused, written: await ensureStatus(pr.headSha, current, refused) };
      log.warn({ err, headSha: pr.headSha }, 'GitHub refused the plan comment; not retried until the head changes');
    }
    log.info({ headSha: pr.headSha, validate: validate.state, plan: plan.state, comment }, 'pull request status ensured');
    return remember(number, { key, head, stalled, outcome: { skipped: false, headSha: pr.headSha, validate, plan, comment } });
  }

  const remember = (number: number, c: Checked): PullRequestOutcome => {
    checked.set(number, c);
    return c.outcome;
  };

  return {
    async ensurePullRequest(number) {
      const pr = await github.pull(number);
      if (pr.state !== 'open') {
        known.delete(number);
        checked.delete(number);
        return { skipped: true, reason: 'NotOpen' };
      }
      const head = `${pr.headSha}:${pr.baseSha}`;
      const key = `${head}:${liveKey(deps.store.clusters())}`;
      const last = checked.get(number);
      // Nothing changed since the last check (or GitHub refused its comment): no parse, no write.
      if (last && (last.key === key || (last.stalled && last.head === head))) return unchangedOutcome(last.outcome);
      return check(number, pr, key, head);
    },

    async ensureMergedResult(number, result) {
      const pr = await github.pull(number);
      if (!pr.merged) return null;
      const outcome = await ensureComment(number, RESULT_MARKER, renderResult(pr.mergeCommitSha, result));
      deps.log.info({ pr: number, converged: result.converged, comment: outcome }, 'merge result ensured');
      return outcome;
    },

    openPlans: () => [...known.values()].sort((a, b) => a.number - b.number),
    forget: (number) => {
      known.delete(number);
      checked.delete(number);
    },
  };
}

/** What the plans depend on in the live state: each record's last save. */
function liveKey(records: readonly ClusterRecord[]): string {
  return records.map((r) => `${r.id}@${r.updatedAt}`).join(',');
}

/** A cached outcome as a repeat reports it: nothing written this time. */
function unchangedOutcome(outcome: PullRequestOutcome): PullRequestOutcome {
  if (outcome.skipped) return outcome;
  return { ...outcome, validate: { ...outcome.validate, written: false }, plan: { ...outcome.plan, written: false }, comment: 'unchanged' };
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
