import { bearer, type EmulatorHandler, type SimRequest, type SimResponse, type SimRoute } from '../common/http.js';
import { errorForStatus, hetznerError } from './errors.js';
import type { RateLimiter } from './rate-limit.js';
import type { ApiRoute } from './route-types.js';

export interface HandlerDeps {
  credentials: readonly string[];
  /** Tokens with the "Read" permission: only GET requests pass. */
  readOnlyTokens: ReadonlySet<string>;
  limiter: RateLimiter;
  routes: readonly ApiRoute[];
  state(): unknown;
  /** The emulator's own `/__sim/…` routes. */
  admin?(req: SimRequest): SimResponse | undefined;
}

/** Requests without a valid token share one bucket, so junk tokens cannot grow the limiter. */
const UNAUTHENTICATED = '\u0000unauthenticated';

/**
 * Hetzner's front door: every request spends one token of its bucket (429
 * `rate_limit_exceeded` when empty), then needs a valid bearer token (401 `unauthorized`),
 * then a known route (404 / 405 as JSON); a "Read" token may only GET (401 `token_readonly`,
 * provider-apis.md §2.6). Every response carries the `RateLimit-*` headers.
 */
export function createHetznerHandler(d: HandlerDeps): EmulatorHandler {
  // serveEmulator calls faultResponse synchronously right after route() for the same request,
  // so an injected fault answers with that request's rate-limit headers.
  let lastHeaders: Record<string, string> = {};
  return {
    route(req) {
      const token = bearer(req);
      const key = token !== undefined && d.credentials.includes(token) ? token : UNAUTHENTICATED;
      const decision = d.limiter.take(key);
      lastHeaders = decision.headers;
      const withHeaders = (r: SimResponse): SimResponse => ({ ...r, headers: { ...decision.headers, ...r.headers } });
      if (!decision.allowed) return withHeaders(hetznerError(429, 'rate_limit_exceeded', 'limit of requests per hour reached'));
      if (key === UNAUTHENTICATED) return withHeaders(hetznerError(401, 'unauthorized', 'unable to authenticate'));
      if (req.method !== 'GET' && d.readOnlyTokens.has(key)) return withHeaders(hetznerError(401, 'token_readonly', 'The token is only allowed to perform GET requests'));
      const found = match(d.routes, req);
      if (!('route' in found)) return withHeaders(found);
      const { route, id } = found;
      return { operation: route.operation, handle: () => withHeaders(route.handle(req, id)) } satisfies SimRoute;
    },
    faultResponse: (status, _operation, code) => {
      const r = errorForStatus(status, code);
      return { ...r, headers: { ...lastHeaders } };
    },
    state: d.state,
    writeOperations: d.routes.filter((r) => r.method !== 'GET').map((r) => r.operation),
    ...(d.admin ? { admin: d.admin } : {}),
  };
}

function match(routes: readonly ApiRoute[], req: SimRequest): { route: ApiRoute; id: number } | SimResponse {
  const onPath = routes.map((route) => ({ route, m: route.pattern.exec(req.path) })).filter((x) => x.m !== null);
  if (onPath.length === 0) return hetznerError(404, 'not_found', `no route for ${req.method} ${req.path}`);
  const hit = onPath.find((x) => x.route.method === req.method);
  if (!hit) return hetznerError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}`);
  const raw = hit.m![1];
  return { route: hit.route, id: raw === undefined ? NaN : /^[0-9]+$/.test(raw) ? Number(raw) : NaN };
}
