/** One answer of a read-only API call. */
export interface ApiAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/**
 * A JSON API that preflight may only read: `get` is the one method, so no check can write
 * through it. A request that gets no answer (refused, timed out) throws, naming the API's origin.
 */
export interface ReadOnlyApi {
  /** The API base URL, for messages. */
  readonly base: string;
  get(path: string, query?: Record<string, string>): Promise<ApiAnswer>;
}

export interface ReadOnlyApiOptions {
  /** Base URL including the version (`…/v2`, `…/v1`). */
  base: string;
  /** The `Authorization` header value (`Bearer …`). */
  authorization: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export function createReadOnlyApi(o: ReadOnlyApiOptions): ReadOnlyApi {
  const base = o.base.replace(/\/+$/, '');
  const doFetch = o.fetch ?? globalThis.fetch;
  return {
    base,
    async get(path, query) {
      const url = `${base}${path}${query ? `?${new URLSearchParams(query).toString()}` : ''}`;
      let res: Response;
      let text: string;
      try {
        res = await doFetch(url, { method: 'GET', headers: { authorization: o.authorization, accept: 'application/json', ...o.headers }, signal: AbortSignal.timeout(o.timeoutMs ?? 15_000) });
        text = await res.text();
      } catch (err) {
        throw new Error(`cannot reach ${new URL(base).origin}: ${reason(err)}`);
      }
      return { status: res.status, body: parse(text), headers: res.headers };
    },
  };
}

function parse(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** Why a request got no answer, in a few words (`ECONNREFUSED`, `timed out`). */
function reason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer (timed out)';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** The error message an API put in its body: DigitalOcean and GitHub `{message}`, Hetzner `{error: {message}}`. */
export function answerMessage(a: ApiAnswer): string {
  const body = a.body as { message?: unknown; error?: { message?: unknown; code?: unknown } } | undefined;
  const message = typeof body?.message === 'string' ? body.message : typeof body?.error?.message === 'string' ? body.error.message : '';
  return `HTTP ${a.status}${message ? ` ${message}` : ''}`;
}

/** Whether a loader gave back the failed answer rather than the data. */
export function isAnswer(x: unknown): x is ApiAnswer {
  return typeof x === 'object' && x !== null && 'headers' in x && (x as { headers: unknown }).headers instanceof Headers;
}
