import { TransientError } from '../../reconcile/errors.js';
import type { ProviderCallRecorder } from '../types.js';
import type { HetznerApiError } from './api-types.js';
import { classifyNetworkError, classifyResponse, redact } from './classify.js';
import { RateBudget } from './rate-budget.js';

export const HETZNER_PUBLIC_ENDPOINT = 'https://api.hetzner.cloud/v1';
export const DEFAULT_TIMEOUT_MS = 15_000;

export interface HetznerClientOptions {
  token: string;
  /** API base including `/v1`. */
  endpoint: string;
  fetch: typeof fetch;
  timeoutMs: number;
  recorder?: ProviderCallRecorder;
  now: () => number;
}

/** One API call. `accept` picks the error answers the caller handles itself (404, 409 …). */
export interface HetznerRequest {
  /** Operation name for the recorder: `servers.list`, `servers.create` … */
  operation: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  accept?: (status: number, error: HetznerApiError) => boolean;
}

export type HetznerResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: HetznerApiError };

/**
 * A minimal Hetzner Cloud client over an injected `fetch`. Contract: resolves with the parsed
 * body on 2xx, or with the error when `accept` takes it; otherwise throws a
 * `TransientError` / `StalledError` whose message and cause never contain the token. Every
 * call that leaves is recorded (status 0 when no response came); calls are held back with
 * `TransientError('RateLimited')` while the request budget is down to its reserve.
 */
export interface HetznerClient {
  request<T>(req: HetznerRequest): Promise<HetznerResult<T>>;
}

export function createHetznerClient(o: HetznerClientOptions): HetznerClient {
  const budget = new RateBudget(o.now);
  const base = o.endpoint.replace(/\/+$/, '');
  const record = (operation: string, status: number, started: number, headers?: Headers) => {
    const remaining = Number(headers?.get('ratelimit-remaining') ?? NaN);
    o.recorder?.record({ provider: 'hetzner', operation, status, durationMs: Math.max(0, o.now() - started), ...(Number.isFinite(remaining) ? { rateLimitRemaining: remaining } : {}) });
  };

  return {
    async request<T>(req: HetznerRequest): Promise<HetznerResult<T>> {
      budget.spend(req.operation);
      const started = o.now();
      let response: { status: number; headers: Headers; text: string };
      try {
        response = await send(o, base, req);
      } catch (err) {
        record(req.operation, 0, started);
        throw classifyNetworkError(req.operation, err, o.timeoutMs, o.token);
      }
      record(req.operation, response.status, started, response.headers);
      budget.update(response.headers);
      const parsed = parseJson(response.text);
      if (response.status >= 200 && response.status < 300) {
        if (parsed === undefined && response.text !== '') throw new TransientError('InvalidResponse', `Hetzner ${req.operation}: HTTP ${response.status} with a body that is not JSON`);
        return { ok: true, status: response.status, data: parsed as T };
      }
      const error = apiError(parsed, response.status, o.token);
      if (req.accept?.(response.status, error)) return { ok: false, status: response.status, error };
      throw classifyResponse(req.operation, response.status, error, response.status === 429 ? budget.blockAfter429(response.headers) : budget.retryAfterMs(), o.token);
    },
  };
}

async function send(o: HetznerClientOptions, base: string, req: HetznerRequest): Promise<{ status: number; headers: Headers; text: string }> {
  const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
  const headers: Record<string, string> = { authorization: `Bearer ${o.token}`, accept: 'application/json' };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  // One signal covers the whole exchange, body included.
  const res = await o.fetch(`${base}${req.path}${query}`, {
    method: req.method,
    headers,
    ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
    signal: AbortSignal.timeout(o.timeoutMs),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The `{error: {code, message}}` of a body, or a stand-in when a proxy answered instead of Hetzner. */
function apiError(parsed: unknown, status: number, token: string): HetznerApiError {
  const error = (parsed as { error?: Partial<HetznerApiError> } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : 'unknown';
  const message = typeof error?.message === 'string' ? redact(error.message, token) : `HTTP ${status} without a Hetzner error body`;
  return { code, message, ...(error?.details !== undefined ? { details: error.details } : {}) };
}

