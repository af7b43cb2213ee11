import { bearer, type EmulatorHandler, type SimResponse } from '../common/http.js';
import { limitsAdmin, limitsView } from './admin.js';
import type { SlidingWindowLimiter } from './rate-limit.js';
import type { RouteDeps } from './route-types.js';
import { matchRoute } from './routes.js';

/** The error `id` and canonical message per status (reference §1.6). */
const ERRORS: Readonly<Record<number, [string, string]>> = {
  400: ['bad_request', 'The request could not be understood.'],
  401: ['unauthorized', 'Unable to authenticate you.'],
  403: ['forbidden', 'You do not have access for the attempted action.'],
  404: ['not_found', 'The resource you requested could not be found.'],
  422: ['unprocessable_entity', 'request payload validation failed'],
  429: ['too_many_requests', 'API Rate limit exceeded.'],
  500: ['server_error', 'Unexpected server-side error'],
  503: ['service_unavailable', 'The service is temporarily unavailable.'],
};

export interface HandlerDeps extends Omit<RouteDeps, 'error'> {
  limiter: SlidingWindowLimiter;
  credentials: ReadonlySet<string>;
}

/**
 * The DigitalOcean API in front of the store: bearer auth, the per-token rate limit with its
 * `ratelimit-*` headers on every authenticated answer (and the key listing's 10 a minute), the
 * token's scopes (403 when a custom-scoped token lacks one the route needs), then the routes.
 * Body-less requests with `Content-Type: application/json` (dots-wrapper sends it on GET and
 * DELETE) are fine: the body is only read by create.
 */
export function createDoHandler(deps: HandlerDeps): EmulatorHandler {
  let seq = 0;
  const error = (status: number, id: string, message: string): SimResponse => {
    seq += 1;
    return { status, body: { id, message, request_id: requestId(seq) } };
  };
  const canonical = (status: number, code?: string): SimResponse => {
    const [id, message] = ERRORS[status] ?? [status >= 500 ? 'server_error' : 'bad_request', `HTTP ${status}`];
    return error(status, code ?? id, message);
  };
  const routeDeps: RouteDeps = { ...deps, error };
  return {
    route(req) {
      const token = bearer(req);
      if (token === undefined || !deps.credentials.has(token)) return canonical(401);
      const route = matchRoute(req, routeDeps);
      return {
        operation: route?.operation ?? 'unknown',
        handle: () => {
          const now = deps.store.now();
          let verdict = deps.limiter.admit(token, now);
          if (!verdict.refused && route?.operation === 'ssh_keys.list') verdict = deps.limiter.admitKeyListing(token, now);
          const response = verdict.refused ? canonical(429) : !route ? canonical(404) : deps.account.allows(token, route.scopes) ? route.run() : canonical(403);
          return { ...response, headers: { ...verdict.headers, ...response.headers } };
        },
      };
    },
    // Injected faults stand for failures in front of the API (load balancer, gateway): the
    // error body only, no rate-limit headers, and a 429 without retry-after.
    faultResponse: (status, _operation, code) => canonical(status, code),
    state: () => ({
      droplets: deps.store.list().map((d) => deps.store.view(d)),
      account: deps.account.view(deps.store.dropletLimit),
      sshKeys: deps.store.sshKeyList(),
      rateLimits: deps.limiter.views(deps.store.now()),
      limits: limitsView(deps.store),
    }),
    writeOperations: ['droplets.create', 'droplets.delete'],
    admin: limitsAdmin(deps.store),
  };
}

/** Request ids look like the API's UUIDs, and are unique per emulator. */
function requestId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}
