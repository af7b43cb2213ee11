import type Koa from 'koa';
import { isPushTo, parsePushEvent, verifyGitHubSignature } from '../sources/webhook.js';
import { createDeliveryLog, type DeliveryLog } from './delivery-log.js';
import { errorBody } from './errors.js';
import { readRawBody } from './raw-body.js';

export interface GitHookDeps {
  /**
   * HMAC secret of the GitHub webhook. Without one, any POST triggers a poll: the configuration
   * allows that only on a loopback address with the GitHub integration off (config.ts).
   */
  webhookSecret?: string;
  /** The tracked branch: pushes to other branches are acknowledged and ignored. */
  branch: string;
  pollNow: () => void;
  /** `pull_request` deliveries, when the GitHub integration is on. */
  onPullRequest?: (event: { action: string; number: number; merged: boolean }) => void;
  /** Recent delivery ids (default: the last 1,000). */
  deliveries?: DeliveryLog;
}

/**
 * `POST /hooks/git`: a push (GitHub webhook or any POST) triggers an immediate poll. Build it
 * once per app: it remembers recent delivery ids.
 */
export function gitHook(deps: GitHookDeps): Koa.Middleware {
  const deliveries = deps.deliveries ?? createDeliveryLog();
  return async (ctx) => {
    const raw = await readRawBody(ctx.req, 1024 * 1024);
    if (deps.webhookSecret && !(await verifyGitHubSignature(deps.webhookSecret, raw, ctx.get('x-hub-signature-256')))) {
      ctx.status = 401;
      ctx.body = errorBody('UNAUTHORIZED', 'webhook signature does not match');
      return;
    }
    // Only a verified delivery is remembered, so nobody can pre-empt a real delivery's id.
    const id = ctx.get('x-github-delivery');
    if (id && !deliveries.firstTime(id)) {
      ctx.status = 200;
      ctx.body = { accepted: false, reason: `duplicate delivery ${id.slice(0, 100)}` };
      return;
    }
    if (ctx.get('x-github-event') === 'pull_request') {
      const event = pullRequestEvent(raw);
      if (event && deps.onPullRequest) deps.onPullRequest(event);
      ctx.status = 202;
      ctx.body = { accepted: Boolean(event && deps.onPullRequest) };
      return;
    }
    // A GitHub delivery polls only for pushes to the tracked branch; a plain POST always polls.
    if (ctx.get('x-github-event')) {
      const event = parsePushEvent(ctx.headers, raw);
      if (!isPushTo(event, deps.branch)) {
        ctx.status = 202;
        ctx.body = { accepted: false, reason: event.kind === 'ignored' ? event.reason : event.kind === 'ping' ? 'ping' : `push to ${event.ref}, not ${deps.branch}` };
        return;
      }
    }
    deps.pollNow();
    ctx.status = 202;
    ctx.body = { accepted: true };
  };
}

function pullRequestEvent(raw: Buffer): { action: string; number: number; merged: boolean } | null {
  try {
    const body = JSON.parse(raw.toString('utf8')) as { action?: unknown; number?: unknown; pull_request?: { merged?: unknown } };
    if (typeof body.action !== 'string' || typeof body.number !== 'number') return null;
    return { action: body.action, number: body.number, merged: body.pull_request?.merged === true };
  } catch {
    return null;
  }
}
