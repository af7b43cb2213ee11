import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import type { GitHubClient } from './client.js';
import type { PullRequestHandler, PullRequestPlanView } from './pr-handler.js';

/** The status context of a merged revision's outcome. */
export const APPLY_CONTEXT = 'clusterops/apply';

/** A merged pull request waiting for its clusters to converge before the result comment. */
interface PendingResult {
  number: number;
  mergedAt: number;
  revisionAtMerge: string;
}

export interface PullRequestWatcherDeps {
  github: GitHubClient;
  handler: PullRequestHandler;
  store: Pick<Store, 'clusters'>;
  /** The revision the daemon has taken in. */
  revision: () => string;
  pollIntervalMs: number;
  log: Logger;
  /** Give up waiting for convergence after this long (the result comment then says so). */
  resultTimeoutMs?: number;
}

/** What a `pull_request` webhook delivery says. */
export interface PullRequestEvent {
  action: string;
  number: number;
  merged: boolean;
}

/**
 * Keeps pull requests' statuses and plan comments current (from webhooks, and by polling open
 * pull requests for setups without a public webhook endpoint), and posts one result comment on
 * a merged pull request once the daemon has applied its revision and the clusters settled.
 */
export interface PullRequestWatcher {
  onEvent(event: PullRequestEvent): Promise<void>;
  pollOnce(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** Read only: the open pull requests' plans as last checked (the dashboard shows them). */
  openPlans(): PullRequestPlanView[];
}

export function createPullRequestWatcher(deps: PullRequestWatcherDeps): PullRequestWatcher {
  const pending = new Map<number, PendingResult>();
  let timers: NodeJS.Timeout[] = [];
  let running: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void>) => (running = running.then(fn).catch((err: unknown) => deps.log.warn({ err }, 'pull request update failed; will try again')));

  const ensure = (n: number) => serial(async () => void (await deps.handler.ensurePullRequest(n)));
  const ensureOpen = () =>
    serial(async () => {
      const open = await deps.github.openPulls();
      // Pull requests closed without a webhook reaching us leave the list at the next poll.
      for (const known of deps.handler.openPlans()) if (!open.some((pr) => pr.number === known.number)) deps.handler.forget(known.number);
      for (const pr of open) await deps.handler.ensurePullRequest(pr.number);
    });
  const checkResults = () =>
    serial(async () => {
      for (const p of [...pending.values()]) {
        const clusters = deps.store.clusters();
        const settled = deps.revision() !== p.revisionAtMerge && clusters.every((c) => c.status && c.status.status !== 'provisioning' && c.status.status !== 'updating' && c.status.status !== 'deleting');
        const timedOut = Date.now() - p.mergedAt > (deps.resultTimeoutMs ?? 30 * 60_000);
        if (!settled && !timedOut) continue;
        const errors = clusters.filter((c) => c.status?.status === 'error').map((c) => `${c.name}: ${c.status?.lastError ?? 'error'}`);
        const summary = clusters.map((c) => `${c.name} ${c.status?.status ?? 'unknown'}`).join(', ');
        const converged = settled && errors.length === 0;
        await deps.handler.ensureMergedResult(p.number, { converged, summary, durationMs: Date.now() - p.mergedAt, ...(errors.length ? { errors } : {}) });
        // The outcome also goes on the merge commit, where branch protection and dashboards look.
        const merged = await deps.github.pull(p.number);
        if (merged.mergeCommitSha) {
          const description = converged ? `applied: ${summary}` : `not converged: ${errors[0] ?? summary}`;
          await deps.github.setStatus(merged.mergeCommitSha, { context: APPLY_CONTEXT, state: converged ? 'success' : 'failure', description: description.slice(0, 140) });
        }
        pending.delete(p.number);
      }
    });

  return {
    onEvent: async (event) => {
      if (event.action === 'closed') deps.handler.forget(event.number);
      if (event.action === 'closed' && event.merged) {
        pending.set(event.number, { number: event.number, mergedAt: Date.now(), revisionAtMerge: deps.revision() });
        return;
      }
      if (['opened', 'reopened', 'synchronize', 'ready_for_review', 'edited'].includes(event.action)) await ensure(event.number);
    },
    pollOnce: async () => {
      await ensureOpen();
      await checkResults();
    },
    start: () => {
      const tick = setInterval(() => void checkResults(), 2_000);
      tick.unref?.();
      timers = [tick];
      if (deps.pollIntervalMs > 0) {
        const poll = setInterval(() => void ensureOpen(), deps.pollIntervalMs);
        poll.unref?.();
        timers.push(poll);
      }
    },
    stop: async () => {
      timers.forEach((t) => clearInterval(t));
      await running;
    },
    openPlans: () => deps.handler.openPlans(),
  };
}
