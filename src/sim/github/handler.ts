import { createHash, randomBytes } from 'node:crypto';
import type { EmulatorHandler, SimRequest, SimResponse, SimRoute } from '../common/http.js';
import type { RateWindow } from './rate-limit.js';
import { user } from './render.js';
import { ghError, notFound, ok } from './respond.js';
import type { ApiRoute } from './routes.js';

export interface HandlerDeps {
  token: string;
  /** `owner/name` → bare repo path. */
  repos: ReadonlyMap<string, string>;
  routes: readonly ApiRoute[];
  core: RateWindow;
  /** The shared window of requests without a valid token (GitHub's 60 per hour). */
  anonymous: RateWindow;
  /** The token's user (`GET /user`). */
  login: string;
  /** A classic token's scopes, sent as `X-OAuth-Scopes` on every authenticated answer; null for a fine-grained token (no header). */
  scopes(): readonly string[] | null;
  /** Requests per operation, incremented for every authenticated request that matched a route. */
  calls: Record<string, number>;
  state(): unknown;
}

/**
 * GitHub's front door: a valid `token`/`Bearer` credential (401 `Bad credentials`), the core
 * rate limit (403 when spent), a known route (404 `Not Found`), then conditional GETs: every
 * 200 GET carries an `ETag`, and a matching `If-None-Match` gets a 304 that spends nothing.
 */
export function createGitHubHandler(d: HandlerDeps): EmulatorHandler {
  let lastHeaders: Record<string, string> = {};
  return {
    route(req) {
      const base = { 'x-github-request-id': requestId(), 'x-github-media-type': 'github.v3; format=json', 'x-github-api-version-selected': '2022-11-28' };
      if (credential(req) !== d.token) {
        d.anonymous.spend();
        return { ...ghError(401, 'Bad credentials'), headers: { ...base, ...d.anonymous.headers() } };
      }
      const scopes = d.scopes();
      if (scopes !== null) Object.assign(base, { 'x-oauth-scopes': scopes.join(', '), 'x-accepted-oauth-scopes': '' });
      const found = match(d, req);
      if (!('operation' in found)) {
        d.core.spend();
        return { ...found, headers: { ...base, ...d.core.headers() } };
      }
      d.calls[found.operation] = (d.calls[found.operation] ?? 0) + 1;
      lastHeaders = { ...base, ...d.core.headers() };
      return { operation: found.operation, handle: () => answer(d, req, base, found.handle) } satisfies SimRoute;
    },
    faultResponse(status) {
      const retry: Record<string, string> = status === 429 ? { 'retry-after': '1' } : {};
      return { ...ghError(status, status >= 500 ? 'Server Error' : 'Injected fault'), headers: { ...lastHeaders, ...retry } };
    },
    state: d.state,
  };
}

async function answer(d: HandlerDeps, req: SimRequest, base: Record<string, string>, handle: () => Promise<SimResponse>): Promise<SimResponse> {
  const free = req.path === '/rate_limit';
  if (!free && d.core.remaining === 0) {
    return { ...ghError(403, 'API rate limit exceeded for user ID 1.'), headers: { ...base, ...d.core.headers() } };
  }
  const r = await handle();
  if (req.method !== 'GET' || r.status !== 200) {
    if (!free) d.core.spend();
    return { ...r, headers: { ...base, ...r.headers, ...d.core.headers() } };
  }
  const etag = `W/"${createHash('sha256').update(JSON.stringify([r.body, r.headers?.link ?? null])).digest('hex')}"`;
  const cache = { etag, 'cache-control': 'private, max-age=60, s-maxage=60', vary: 'Accept, Authorization, Cookie' };
  if (matchesEtag(req.headers['if-none-match'], etag)) return { status: 304, headers: { ...base, ...cache, ...d.core.headers() } };
  if (!free) d.core.spend();
  return { ...r, headers: { ...base, ...r.headers, ...cache, ...d.core.headers() } };
}

type Matched = { operation: string; handle: () => Promise<SimResponse> };

function match(d: HandlerDeps, req: SimRequest): Matched | SimResponse {
  if (req.path === '/rate_limit' && req.method === 'GET') {
    return { operation: 'rateLimit.get', handle: async () => ok({ resources: { core: d.core.view() }, rate: d.core.view() }) };
  }
  if (req.path === '/user' && req.method === 'GET') return { operation: 'users.getAuthenticated', handle: async () => ok(user(d.login)) };
  for (const route of d.routes) {
    const m = route.pattern.exec(req.path);
    if (!m || route.method !== req.method) continue;
    const [, owner = '', name = '', param = ''] = m.map((s) => safeDecode(s ?? ''));
    const repo = `${owner}/${name}`;
    const bareRepoPath = [...d.repos].find(([k]) => k.toLowerCase() === repo.toLowerCase());
    if (!bareRepoPath) return notFound();
    const ctx = { repo: bareRepoPath[0], bareRepoPath: bareRepoPath[1], param };
    return { operation: route.operation, handle: () => route.handle(req, ctx) };
  }
  return notFound();
}

/** `Authorization: token <t>` or `Bearer <t>`, scheme case-insensitive. */
function credential(req: SimRequest): string | undefined {
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const weak = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || weak(t) === weak(etag));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function requestId(): string {
  const h = randomBytes(10).toString('hex').toUpperCase();
  return `${h.slice(0, 4)}:${h.slice(4, 8)}:${h.slice(8, 14)}:${h.slice(14, 20)}:${Math.floor(Date.now() / 1000).toString(16).toUpperCase()}`;
}
