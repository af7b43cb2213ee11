import { StalledError, TransientError } from '../../reconcile/errors.js';

/**
 * Sorts a failed GitHub request at the adapter boundary. The message is built from the status
 * code and the operation only: Octokit's own error carries the request (and so the token).
 */
export function classifyGitHubError(err: unknown, operation: string): TransientError | StalledError {
  const status = (err as { status?: unknown }).status;
  const code = typeof status === 'number' ? status : 0;
  const message = `GitHub ${operation} failed${code ? ` with HTTP ${code}` : ' (no response)'}`;
  if (code === 0 || code >= 500 || code === 429) return new TransientError(code === 429 ? 'RateLimited' : code ? 'GitHubUnavailable' : 'NetworkError', message, { cause: err });
  if (code === 403 && isRateLimit(err)) return new TransientError('RateLimited', message, { cause: err });
  if (code === 401) return new StalledError('Unauthorized', message, { cause: err });
  if (code === 403) return new StalledError('Forbidden', message, { cause: err });
  if (code === 404) return new StalledError('NotFound', message, { cause: err });
  return new StalledError('GitHubRejected', message, { cause: err });
}

function isRateLimit(err: unknown): boolean {
  const headers = (err as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
  return headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined;
}
