import { StalledError, TransientError } from '../../reconcile/errors.js';
import { readRateHeaders } from './budget.js';

/**
 * What dots-wrapper rejects with: an AxiosError. Read through this narrow shape only; the error
 * itself is never rethrown nor kept as a cause, because its `config` holds the Authorization header.
 */
export interface HttpFailure {
  isAxiosError: true;
  code?: string;
  response?: { status: number; headers?: unknown; data?: unknown };
}

export function isHttpFailure(err: unknown): err is HttpFailure {
  return typeof err === 'object' && err !== null && (err as { isAxiosError?: unknown }).isAxiosError === true;
}

/** A clean cause: the facts of a failed call, with nothing from the request. */
export class DigitalOceanApiError extends Error {
  override readonly name = 'DigitalOceanApiError';

  constructor(
    readonly operation: string,
    /** HTTP status, or 0 when no answer came. */
    readonly status: number,
    /** The API's error id (`not_found` …) or the transport's code (`ECONNRESET` …). */
    readonly code: string,
    readonly requestId?: string,
  ) {
    super(`DigitalOcean ${operation}: ${status === 0 ? code : `HTTP ${status} ${code}`}${requestId ? ` (request ${requestId})` : ''}`);
  }
}

interface ErrorBody {
  id?: unknown;
  message?: unknown;
  request_id?: unknown;
}

/**
 * Sorts a failed call into the failure contract of `ProviderAdapter` (STYLE "Errors at the
 * edges"). 404 becomes `StalledError('NotFound')`, which `get`/`delete` turn into their own
 * answers. `secret` is scrubbed from any provider text that is kept.
 */
export function classifyFailure(err: unknown, operation: string, now: number, secret: string): TransientError | StalledError {
  if (!isHttpFailure(err)) {
    const cause = new DigitalOceanApiError(operation, 0, err instanceof Error ? err.name : 'unknown');
    return new StalledError('Unexpected', `DigitalOcean ${operation}: unexpected failure`, { cause });
  }
  const res = err.response;
  if (!res) {
    const code = err.code ?? 'ERR_NETWORK';
    const cause = new DigitalOceanApiError(operation, 0, code);
    const reason = code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'Timeout' : 'Unreachable';
    return new TransientError(reason, `DigitalOcean ${operation}: no answer (${code})`, { cause });
  }
  const body = (typeof res.data === 'object' && res.data !== null ? res.data : {}) as ErrorBody;
  const id = typeof body.id === 'string' ? body.id : 'unknown';
  const text = typeof body.message === 'string' ? scrub(body.message, secret) : '';
  const cause = new DigitalOceanApiError(operation, res.status, id, typeof body.request_id === 'string' ? body.request_id : undefined);
  return classifyStatus(res.status, operation, text, readRateHeaders(res.headers), now, cause);
}

function classifyStatus(
  status: number,
  operation: string,
  text: string,
  headers: ReturnType<typeof readRateHeaders>,
  now: number,
  cause: DigitalOceanApiError,
): TransientError | StalledError {
  const what = `DigitalOcean ${operation}`;
  if (status === 429) {
    const retryAfterMs = headers.retryAfterMs ?? (headers.resetAtMs !== undefined ? Math.max(0, headers.resetAtMs - now) : undefined);
    return new TransientError('RateLimited', `${what}: rate limited`, { cause, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (status >= 500 || status === 408) return new TransientError('ProviderUnavailable', `${what}: HTTP ${status}`, { cause });
  if (status === 401 || status === 403) return new StalledError('Unauthorized', `${what}: the API token was refused (HTTP ${status})`, { cause });
  if (status === 404) return new StalledError('NotFound', `${what}: not found`, { cause });
  const refusal = status === 422 ? classifyRefusal(what, text, cause) : undefined;
  if (refusal) return refusal;
  return new StalledError('InvalidRequest', `${what}: ${text || `HTTP ${status}`}`, { cause });
}

/**
 * DigitalOcean answers every refusal with 422 `unprocessable_entity`, so the message is all that
 * tells them apart (here, at the edge, and nowhere else):
 * - "Droplet already has a pending event." — another action (the create, a destroy) is in progress
 *   (hashicorp/packer#1814): busy, try again;
 * - "creating this/these droplet(s) will exceed your droplet limit" (OpenRouterLabs/spawn#2516):
 *   the account's quota, which only deleting droplets or a raised limit frees;
 * - more than 10 creates in progress ("You can't create more than 10 Droplets at the same time",
 *   https://docs.digitalocean.com/products/droplets/details/limits/; the wording of the refusal is
 *   not published): busy, try again once some have finished.
 */
function classifyRefusal(what: string, text: string, cause: DigitalOceanApiError): TransientError | StalledError | undefined {
  if (/pending event/i.test(text)) {
    return new TransientError('ResourceBusy', `${what}: the droplet has an event in progress (still being created, or changing); trying again`, { cause });
  }
  if (/droplet limit/i.test(text)) {
    const help = 'the account has as many droplets as its droplet limit allows; delete droplets, or ask DigitalOcean to raise the limit (Settings → Team → Droplet limit)';
    return new StalledError('QuotaExceeded', `${what}: ${text} (${help})`, { cause });
  }
  if (/at the same time|at a time|concurrent/i.test(text)) {
    return new TransientError('CreateLimit', `${what}: ${text} (DigitalOcean creates at most 10 droplets at a time per account; trying again)`, { cause });
  }
  return undefined;
}

function scrub(text: string, secret: string): string {
  return secret.length > 0 ? text.split(secret).join('[redacted]') : text;
}
