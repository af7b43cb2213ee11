import type { ErrorView } from '../../src/dashboard/types.js';

const TOKEN_KEY = 'clusterops.token';

/** The bearer token lives in this tab's session storage only: never in a URL, a cookie or local storage. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  save: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** A `/ui/api` answer: data (fresh or unchanged since the last poll), or an error to show. */
export type Answer<T> = { ok: true; data: T; changed: boolean } | { ok: false; status: number; message: string };

const etags = new Map<string, { etag: string; data: unknown }>();

/** GETs `/ui/api/<path>` with the token; polls revalidate with If-None-Match (304: unchanged, no body). */
export async function load<T>(path: string, token = session.token()): Promise<Answer<T>> {
  const url = `/ui/api/${path}`;
  const known = etags.get(url);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (known) headers['If-None-Match'] = known.etag;
  let res: Response;
  try {
    res = await fetch(url, { headers, cache: 'no-store', credentials: 'omit' });
  } catch {
    return { ok: false, status: 0, message: 'clusterops is not reachable; retrying' };
  }
  if (res.status === 304 && known) return { ok: true, data: known.data as T, changed: false };
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as ErrorView | null;
    return { ok: false, status: res.status, message: body?.error?.message ?? `HTTP ${res.status}` };
  }
  const data = (await res.json()) as T;
  const etag = res.headers.get('ETag');
  if (etag) etags.set(url, { etag, data });
  return { ok: true, data, changed: true };
}

/** Forgets cached answers (on sign-out, so another token never sees them). */
export function forgetAnswers(): void {
  etags.clear();
}
