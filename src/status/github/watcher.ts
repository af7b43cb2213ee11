import type { RepoEntry } from '../../domain/manifest/repository.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import type { GitHubClient, PullRequest } from './client.js';
import { mergeResult, touchedClusters, type PendingResult } from './merge-results.js';
import type { PullRequestHandler, PullRequestPlanView } from './pr-handler.js';
import { RESULT_MARKER } from './pr-report.js';
import { createKeyedQueue } from './work-queue.js';

/** The status context of a merged revision's outcome. */
export const APPLY_CONTEXT = 'clusterops/apply';

export interface PullRequestWatcherDeps {
  github: GitHubClient;
  handler: PullRequestHandler;
  store: Pick<Store, 'clusters'>;
  /** The revision the daemon has taken in. */
  revision: () => string;
  /** Whether commit `sha` is `revision` or an ancestor of it (the daemon's clone answers). */
  contains: (revision: string, sha: string) => Promise<boolean>;
  /** The `clusters/` entries at a commit. */
  readFilesAt: (sha: string) => Promise<RepoEntry[]>;
  pollIntervalMs: number;
  log: Logger;
  /** Give up waiting for convergence after this long (the result comment then says so). */
  resultTimeoutMs?: number;
  now?: () => number;
}

/** What a `pull_request` webhook delivery says. Only a hint: what is done is decided from GitHub's own answer. */
export interface PullRequestEvent {
  action: string;
  number: number;
  merged: boolean;
}

/**
 * Keeps pull requests' statuses and plan comments current (from webhooks, and by polling open
 * pull requests for setups without a public webhook endpoint), and posts one result comment on
 * a merged pull request once the daemon has applied its merge commit and the clusters it
 * touched have settled. Merges are found by webhook and by polling recently closed pull
 * requests alike; a merge is taken from `pulls.get`, never from an event's payload.
 */
export interface PullRequestWatcher {
  onEvent(event: PullRequestEvent): Promise<void>;
  pollOnce(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** Resolves once no pull-request work is queued or running. */
  idle(): Promise<void>;
  /** Read only: the open pull requests' plans as last checked (the dashboard shows them). */
  openPlans(): PullRequestPlanView[];
}

const OPEN_ACTIONS = new Set(['opened', 'reopened', 'synchronize', 'ready_for_review', 'edited']);
/** Merged pull requests already reported (or too old to be), remembered to skip them cheaply. */
const DONE_CAPACITY = 1_000;

export function createPullRequestWatcher(deps: PullRequestWatcherDeps): PullRequestWatcher {
  const pending = new Map<number, PendingResult>();
  const done = new Set<number>();
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.resultTimeoutMs ?? 30 * 60_000;
  const queue = createKeyedQueue((key, err) => deps.log.warn({ err, work: key }, 'pull request update failed; will try again'));
  let timers: NodeJS.Timeout[] = [];

  const finish = (n: number) => {
    pending.delete(n);
    done.add(n);
    if (done.size > DONE_CAPACITY) done.delete(done.values().next().value as number);
  };
  const ensure = (n: number) => queue.add(`pr:${n}`, async () => void (await deps.handler.ensurePullRequest(n)));

  /** Starts waiting for a merge's result, if GitHub says it is merged and it was not reported yet. */
  const track = async (pr: PullRequest) => {
    if (!pr.merged || !pr.mergeCommitSha || pending.has(pr.number) || done.has(pr.number)) return;
    const mergedAt = pr.mergedAt ? Date.parse(pr.mergedAt) : now();
    // Old merges (before this daemon ran, say) are not reported after the fact.
    if (now() - mergedAt > timeoutMs || (await deps.github.comments(pr.number)).some((c) => c.body.includes(RESULT_MARKER))) return finish(pr.number);
    const [files, atMerge, atBase] = await Promise.all([deps.github.pullFiles(pr.number), deps.readFilesAt(pr.mergeCommitSha), deps.readFilesAt(pr.baseSha)]);
    const touched = touchedClusters(files, atMerge, atBase);
    if (touched.length === 0) return finish(pr.number);
    pending.set(pr.number, { number: pr.number, mergeSha: pr.mergeCommitSha, mergedAt, touched });
  };
  const trackNumber = (n: number) => queue.add(`merged:${n}`, async () => track(await deps.github.pull(n)));
  const discoverMerged = () => queue.add('merged', async () => {
    for (const pr of await deps.github.recentlyClosedPulls()) await track(pr);
  });
  const ensureOpen = () => queue.add('open', async () => {
    const open = await deps.github.openPulls();
    // Pull requests closed without a webhook reaching us leave the list at the next poll.
    for (const known of deps.handler.openPlans()) if (!open.some((pr) => pr.number === known.number)) deps.handler.forget(known.number);
    for (const pr of open) ensure(pr.number);
  });
  const checkResults = () => queue.add('results', async () => {
    for (const p of [...pending.values()]) {
      const state = { revision: deps.revision(), records: deps.store.clusters(), contains: deps.contains };
      const result = await mergeResult(p, state, now(), now() - p.mergedAt > timeoutMs);
      if (!result) continue;
      await deps.handler.ensureMergedResult(p.number, result);
      // The outcome also goes on the merge commit, where branch protection and dashboards look.
      const description = result.converged ? `applied: ${result.summary}` : `not converged: ${result.errors?.[0] ?? result.summary}`;
      await deps.github.setStatus(p.mergeSha, { context: APPLY_CONTEXT, state: result.converged ? 'success' : 'failure', description: [...description].slice(0, 140).join('') });
      finish(p.number);
    }
  });

  return {
    onEvent: async (event) => {
      if (event.action === 'closed') {
        deps.handler.forget(event.number);
        trackNumber(event.number);
      } else if (OPEN_ACTIONS.has(event.action)) ensure(event.number);
    },
    pollOnce: async () => {
      ensureOpen();
      discoverMerged();
      await queue.idle();
      checkResults();
      await queue.idle();
    },
    start: () => {
      const tick = setInterval(() => checkResults(), 2_000);
      tick.unref?.();
      timers = [tick];
      if (deps.pollIntervalMs > 0) {
        const poll = setInterval(() => {
          ensureOpen();
          discoverMerged();
        }, deps.pollIntervalMs);
        poll.unref?.();
        timers.push(poll);
      }
    },
    stop: async () => {
      timers.forEach((t) => clearInterval(t));
      await queue.idle();
    },
    idle: () => queue.idle(),
    openPlans: () => deps.handler.openPlans(),
  };
}
