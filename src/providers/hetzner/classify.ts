import { StalledError, TransientError } from '../../reconcile/errors.js';
import type { HetznerApiError } from './api-types.js';

/** Removes the token from any text that may end up in an error or a log line. */
export function redact(text: string, secret: string): string {
  return secret.length > 0 ? text.split(secret).join('[redacted]') : text;
}

/**
 * Sorts a Hetzner error response into the controller's classes (STYLE "Errors at the edges").
 * The error code decides (hcloud-go matches codes alone too, `hcloud.IsError`); the status only
 * when the code is unknown (a proxy's answer). Messages are built from the status, the
 * provider's code and its message, never from the request.
 */
export function classifyResponse(operation: string, status: number, error: HetznerApiError, retryAfterMs: number, secret: string): TransientError | StalledError {
  const text = redact(`Hetzner ${operation}: HTTP ${status} ${error.code}: ${error.message}${fieldMessages(error.details)}`, secret);
  const byCode = classifyCode(error.code, text, retryAfterMs);
  if (byCode) return byCode;
  if (status === 429) return new TransientError('RateLimited', text, { retryAfterMs });
  if (status >= 500) return new TransientError('ProviderUnavailable', text);
  if (status === 401) return new StalledError('Unauthorized', text);
  if (status === 403) return new StalledError('Unauthorized', text);
  return new StalledError('InvalidRequest', text);
}

/** The codes of Hetzner's error table (https://docs.hetzner.cloud/#errors) whose class is not "fix the request". */
function classifyCode(code: string, text: string, retryAfterMs: number): TransientError | StalledError | undefined {
  switch (code) {
    case 'rate_limit_exceeded':
      return new TransientError('RateLimited', text, { retryAfterMs });
    // Out of stock for this server type in this location (412 today, "error during placement"):
    // it comes back, so retry with backoff, whatever the status (syself/cluster-api-provider-hetzner#112).
    case 'resource_unavailable':
      return new TransientError('CapacityUnavailable', `${text} (this server type is out of stock in this location for now; trying again)`);
    // Another action holds the resource (`locked`: the create is still running; `conflict`): hcloud-go retries them too.
    case 'locked':
    case 'conflict':
    case 'resource_locked':
      return new TransientError('ResourceBusy', text);
    case 'resource_limit_exceeded':
      return new StalledError('QuotaExceeded', text);
    case 'maintenance':
    case 'unavailable':
    case 'timeout':
    case 'server_error':
    case 'bad_gateway':
      return new TransientError('ProviderUnavailable', text);
    case 'unauthorized':
    case 'token_readonly':
    case 'forbidden':
      return new StalledError('Unauthorized', text);
    case 'protected':
      return new StalledError('Protected', `${text} (the resource has Hetzner's delete protection on)`);
    default:
      return undefined;
  }
}

/** `invalid_input` puts the useful part in `details.fields[].messages`. */
function fieldMessages(details: unknown): string {
  const fields = (details as { fields?: unknown } | undefined)?.fields;
  if (!Array.isArray(fields)) return '';
  const messages = fields.flatMap((f: { name?: unknown; messages?: unknown }) =>
    Array.isArray(f?.messages) ? f.messages.filter((m): m is string => typeof m === 'string').map((m) => `${String(f.name)}: ${m}`) : [],
  );
  return messages.length > 0 ? ` (${messages.join('; ')})` : '';
}

/** A fetch that produced no usable response: timeout, refused or dropped connection. */
export function classifyNetworkError(operation: string, err: unknown, timeoutMs: number, secret: string): TransientError | StalledError {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e.cause as { code?: unknown } | undefined)?.code;
  // A sanitised copy: the original may carry request details we do not control.
  const cause = new Error(redact(`${e.name}: ${e.message}${typeof code === 'string' ? ` (${code})` : ''}`, secret));
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new TransientError('Timeout', `Hetzner ${operation}: no answer within ${timeoutMs} ms`, { cause });
  }
  // undici: `fetch failed` before the response, `terminated` when the body is cut off.
  if (e instanceof TypeError && (e.message === 'fetch failed' || e.message === 'terminated')) {
    return new TransientError('ConnectionFailed', `Hetzner ${operation}: connection failed${typeof code === 'string' ? ` (${code})` : ''}`, { cause });
  }
  // Anything else (a malformed endpoint URL) will not fix itself.
  return new StalledError('ClientError', redact(`Hetzner ${operation}: ${e.message}`, secret), { cause });
}
