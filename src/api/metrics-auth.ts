import { createHash, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import { ApiError } from './errors.js';
import { isLoopbackHost } from '../config.js';

/**
 * Refuses a `/metrics` scrape that does not carry `Authorization: Bearer <token>` (401, in the
 * error envelope, with `WWW-Authenticate`). Both sides are hashed before the constant-time
 * compare, so neither the token's content nor its length leaks through timing.
 */
export function checkMetricsToken(ctx: Koa.Context, token: string): void {
  const headers = ctx.req.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization');
  if (headers.length > 1) throw new ApiError('BAD_REQUEST', 'Authorization is given more than once');
  const given = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'))?.[1];
  if (given !== undefined && timingSafeEqual(digest(given), digest(token))) return;
  ctx.set('WWW-Authenticate', 'Bearer realm="clusterops-metrics"');
  throw new ApiError('UNAUTHORIZED', given === undefined ? '/metrics needs Authorization: Bearer <metrics token>' : 'the metrics token is not valid');
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * The start-up warning for an open `/metrics` on a reachable address (none when a token is set
 * or the address is loopback). A warning rather than a refusal: the metrics carry only
 * aggregates (no cluster ids or names), and Prometheus inside a private network often scrapes
 * without credentials; operators who expose the port wider set `metricsTokenFile`.
 */
export function openMetricsWarning(host: string, token: string | undefined): string | undefined {
  if (token !== undefined || isLoopbackHost(host)) return undefined;
  return `/metrics is served without authentication on ${host}: anyone who reaches the port can read clusterops' metrics (counts per provider and status, no cluster names); set metricsTokenFile (or CLUSTEROPS_METRICS_TOKEN) to require a bearer token`;
}
