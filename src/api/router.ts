import type Koa from 'koa';
import type { Principal } from '../auth/types.js';
import { checkApiInput } from '../domain/manifest/schema.js';
import { formatPath } from '../domain/manifest/field-path.js';
import type { ClusterApiDeps } from './clusters/deps.js';
import { PROCEDURES, type Procedure } from './clusters/procedures.js';
import { ApiError } from './errors.js';
import { readRawBody } from './raw-body.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiRouterDeps extends ClusterApiDeps {
  authenticate: (bearer: string) => Promise<Principal | null>;
}

/** `/api/<procedure>`: method check, bearer auth, input parsing and schema validation, then the procedure. */
export function clustersApi(deps: ApiRouterDeps): Koa.Middleware {
  return async (ctx, next) => {
    const match = /^\/api\/([A-Za-z.]+)$/.exec(ctx.path);
    if (!match || match[1] === 'openapi.json') return next();
    const name = match[1]!;
    // Own keys only: `/api/constructor` or `/api/toString` must not find Object.prototype's members.
    const procedure = Object.hasOwn(PROCEDURES, name) ? PROCEDURES[name] : undefined;
    if (!procedure) throw new ApiError('NOT_FOUND', `unknown procedure ${name}; see /api/openapi.json`);
    ctx.state.procedure = name;
    if (ctx.method !== procedure.method) {
      ctx.set('Allow', procedure.method);
      throw new ApiError('METHOD_NOT_SUPPORTED', `${name} takes ${procedure.method}, not ${ctx.method}`);
    }
    const principal = await authenticateBearer(ctx, deps.authenticate);
    ctx.state.userId = principal.userId;
    const input = procedure.method === 'GET' ? queryInput(ctx) : await bodyInput(ctx);
    const problem = checkApiInput(name, input)[0];
    if (problem) throw new ApiError('BAD_REQUEST', problem.message, formatPath(problem.path) || undefined);
    const outcome = await procedure.run({ principal, input, deps });
    ctx.status = outcome.status;
    if (outcome.status !== 204) ctx.body = { result: { data: outcome.data } };
  };
}

/** The caller behind `Authorization: Bearer <token>` (the API and the dashboard); 401 when there is none, 400 when it is ambiguous. */
export async function authenticateBearer(ctx: Koa.Context, authenticate: (token: string) => Promise<Principal | null>): Promise<Principal> {
  // Node keeps only the first of repeated Authorization headers, while a proxy in front may have
  // checked another: an ambiguous credential is refused (RFC 6750 §3.1 invalid_request).
  if (ctx.req.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization').length > 1) {
    throw new ApiError('BAD_REQUEST', 'Authorization is given more than once');
  }
  const header = ctx.get('authorization');
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  const principal = token ? await authenticate(token) : null;
  if (!principal) {
    ctx.set('WWW-Authenticate', 'Bearer realm="clusterops"');
    throw new ApiError('UNAUTHORIZED', header ? 'the bearer token is not valid (revoked, mistyped, or from another clusterops)' : 'send Authorization: Bearer <token>');
  }
  return principal;
}

function queryInput(ctx: Koa.Context): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ctx.query)) {
    if (Array.isArray(value)) throw new ApiError('BAD_REQUEST', `${key} is given more than once`, key);
    out[key] = value;
  }
  return out;
}

async function bodyInput(ctx: Koa.Context): Promise<Record<string, unknown>> {
  if (!ctx.is('application/json')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the parameters as a JSON body with Content-Type: application/json');
  const raw = await readRawBody(ctx.req, MAX_BODY_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError('BAD_REQUEST', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('BAD_REQUEST', 'the body must be a JSON object of parameters');
  return body as Record<string, unknown>;
}

export type { Procedure };
