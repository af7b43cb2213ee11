import type Koa from 'koa';
import { isPushTo, parsePushEvent, verifyGitHubSignature } from '../sources/webhook.js';
import { readRawBody } from './raw-body.js';

export interface GitHookDeps {
  /** HMAC secret of the GitHub webhook; without one, any POST triggers a poll. */
  webhookSecret?: string;
  /** The tracked branch: pushes to other branches are acknowledged and ignored. */
  branch: string;
  pollNow: () => void;
}

/** `POST /hooks/git`: a push (GitHub webhook or any POST) triggers an immediate poll. */
export function gitHook(deps: GitHookDeps): Koa.Middleware {
  return async (ctx) => {
    const raw = await readRawBody(ctx.req, 1024 * 1024);
    if (deps.webhookSecret) {
      const signature = ctx.get('x-hub-signature-256');
      if (!(await verifyGitHubSignature(deps.webhookSecret, raw.toString('utf8'), signature))) {
        ctx.status = 401;
        ctx.body = { error: { code: 'UNAUTHORIZED', message: 'webhook signature does not match', httpStatus: 401 } };
        return;
      }
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
