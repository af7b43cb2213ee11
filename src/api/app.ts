import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import type { Logger } from '../logger.js';
import { ApiError, errorBody } from './errors.js';
import { BodyTooLargeError } from './raw-body.js';
import { gitHook, type GitHookDeps } from './hooks.js';
import { checkMetricsToken } from './metrics-auth.js';
import { rejectMalformedUri } from './uri.js';

/** One readiness check: its name and, when failing, why. */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  message?: string;
}

/** What `/metrics` and the request log need from the metrics registry. */
export interface AppMetrics {
  render(): Promise<{ contentType: string; body: string }>;
  apiRequest(procedure: string, method: string, status: number, seconds: number): void;
}

/** What the HTTP app serves from; each part is built in main.ts. */
export interface AppDeps {
  log: Logger;
  hook: GitHookDeps;
  /** Readiness: store open, repository cloned, last poll recent. */
  readiness: () => ReadinessCheck[];
  metrics?: AppMetrics;
  /** When set, `/metrics` answers only `Authorization: Bearer <metricsToken>` (a secret: never logged). */
  metricsToken?: string;
  /** Extra routes mounted by later parts (the Clusters API, the dashboard). */
  routes?: Koa.Middleware[];
}

/** The Koa app (STYLE: `createApp(deps)` never listens by itself). */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  // One hook for the app's lifetime: it remembers recent delivery ids.
  const hook = gitHook(deps.hook);
  app.use(async (ctx, next) => {
    ctx.state.requestId = randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId as string);
    await next();
  });
  app.use(requestLog(deps));
  app.use(errors(deps.log));
  app.use(rejectMalformedUri());
  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz' && ctx.method === 'GET') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path === '/readyz' && ctx.method === 'GET') {
      const checks = deps.readiness();
      const failing = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message ?? 'failing'}`);
      ctx.status = failing.length === 0 ? 200 : 503;
      ctx.body = { status: failing.length === 0 ? 'ready' : 'not ready', checks: Object.fromEntries(checks.map((c) => [c.name, c.ok ? 'ok' : (c.message ?? 'failing')])), failing };
      return;
    }
    if (ctx.path === '/metrics' && ctx.method === 'GET' && deps.metrics) {
      if (deps.metricsToken !== undefined) checkMetricsToken(ctx, deps.metricsToken);
      const { contentType, body } = await deps.metrics.render();
      ctx.type = contentType;
      ctx.body = body;
      return;
    }
    if (ctx.path === '/hooks/git') {
      if (ctx.method !== 'POST') {
        ctx.status = 405;
        ctx.set('Allow', 'POST');
        ctx.body = errorBody('METHOD_NOT_SUPPORTED', 'use POST');
        return;
      }
      await hook(ctx, next);
      return;
    }
    await next();
  });
  for (const route of deps.routes ?? []) app.use(route);
  return app;
}

/**
 * One log line and one metric per Clusters API request (procedure, status, duration, user, request
 * id); probes and static files are not logged. Runs outside the error middleware, so it sees the
 * final status.
 */
function requestLog(deps: AppDeps): Koa.Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      if (ctx.path.startsWith('/api/') || ctx.path === '/hooks/git') {
        const seconds = (performance.now() - started) / 1000;
        const procedure = (ctx.state.procedure as string | undefined) ?? (ctx.path === '/hooks/git' ? 'hooks.git' : ctx.path === '/api/openapi.json' ? 'openapi' : 'unknown');
        deps.metrics?.apiRequest(procedure, ctx.method, ctx.status, seconds);
        const fields = { requestId: ctx.state.requestId, method: ctx.method, procedure, status: ctx.status, ms: Math.round(seconds * 1000), ...(ctx.state.userId ? { userId: ctx.state.userId } : {}) };
        deps.log.info(fields, `${ctx.method} ${ctx.path} ${ctx.status}`);
      }
    }
  };
}

/** The one error middleware: client errors say what is wrong; server errors say nothing inside. */
function errors(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = errorBody('NOT_FOUND', `no route ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        ctx.status = err.httpStatus;
        ctx.body = err.toBody();
        return;
      }
      if (err instanceof BodyTooLargeError) {
        ctx.status = 413;
        ctx.body = errorBody('PAYLOAD_TOO_LARGE', err.message);
        return;
      }
      const requestId = String(ctx.state.requestId ?? randomUUID());
      log.error({ err, requestId, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = errorBody('INTERNAL_SERVER_ERROR', `internal error (request ${requestId})`, { requestId });
    }
  };
}
