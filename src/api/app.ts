import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import type { Logger } from '../logger.js';
import { ApiError } from './errors.js';
import { BodyTooLargeError } from './raw-body.js';
import { gitHook, type GitHookDeps } from './hooks.js';

/** What the HTTP app serves from; each part is built in main.ts. */
export interface AppDeps {
  log: Logger;
  hook: GitHookDeps;
  /** Readiness: store open, repository cloned, last poll recent. Returns the failing checks. */
  readiness: () => string[];
  /** Extra routes mounted by later parts (the Clusters API, the dashboard). */
  routes?: Koa.Middleware[];
}

/** The Koa app (STYLE: `createApp(deps)` never listens by itself). */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.use(async (ctx, next) => {
    ctx.state.requestId = randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId as string);
    await next();
  });
  app.use(errors(deps.log));
  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz' && ctx.method === 'GET') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path === '/readyz' && ctx.method === 'GET') {
      const failing = deps.readiness();
      ctx.status = failing.length === 0 ? 200 : 503;
      ctx.body = { status: failing.length === 0 ? 'ready' : 'not ready', failing };
      return;
    }
    if (ctx.path === '/hooks/git') {
      if (ctx.method !== 'POST') {
        ctx.status = 405;
        ctx.set('Allow', 'POST');
        ctx.body = { error: { code: 'METHOD_NOT_SUPPORTED', message: 'use POST', httpStatus: 405 } };
        return;
      }
      await gitHook(deps.hook)(ctx, next);
      return;
    }
    await next();
  });
  for (const route of deps.routes ?? []) app.use(route);
  return app;
}

/** The one error middleware: client errors say what is wrong; server errors say nothing inside. */
function errors(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: { code: 'NOT_FOUND', message: `no route ${ctx.method} ${ctx.path}`, httpStatus: 404 } };
      }
    } catch (err) {
      if (err instanceof ApiError) {
        ctx.status = err.httpStatus;
        ctx.body = err.toBody();
        return;
      }
      if (err instanceof BodyTooLargeError) {
        ctx.status = 413;
        ctx.body = { error: { code: 'PAYLOAD_TOO_LARGE', message: err.message, httpStatus: 413 } };
        return;
      }
      const requestId = String(ctx.state.requestId ?? randomUUID());
      log.error({ err, requestId, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: { code: 'INTERNAL_SERVER_ERROR', message: `internal error (request ${requestId})`, httpStatus: 500, requestId } };
    }
  };
}
