import type { SimRequest, SimResponse } from '../common/http.js';

const DOCS = 'https://docs.github.com/rest';

/** GitHub's error body: `{message, documentation_url}` plus any extra fields. */
export function ghError(status: number, message: string, extra: Record<string, unknown> = {}): SimResponse {
  return { status, body: { message, documentation_url: DOCS, ...extra } };
}

export const notFound = (): SimResponse => ghError(404, 'Not Found');

/** 422 `Validation Failed` with one error entry, as GitHub answers a bad field. */
export const invalid = (resource: string, field: string, code = 'invalid'): SimResponse =>
  ghError(422, 'Validation Failed', { errors: [{ resource, field, code }] });

export const ok = (body: unknown, status = 200): SimResponse => ({ status, body });

/**
 * One page of a list, as GitHub pages: `per_page` (default 30, max 100) and `page` (from 1),
 * with a `Link` header (`next`, `last`, `first`, `prev`) when there is more than one page.
 */
export function page(api: string, req: SimRequest, items: unknown[]): SimResponse {
  const perPage = clamp(Number(req.query.get('per_page') ?? 30), 1, 100, 30);
  const current = clamp(Number(req.query.get('page') ?? 1), 1, Infinity, 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const body = items.slice((current - 1) * perPage, current * perPage);
  const link = (n: number, rel: string) => {
    const q = new URLSearchParams(req.query);
    q.set('page', String(n));
    q.set('per_page', String(perPage));
    return `<${api}${req.path}?${q.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (current < last) links.push(link(current + 1, 'next'), link(last, 'last'));
  if (current > 1) links.push(link(1, 'first'), link(current - 1, 'prev'));
  return { status: 200, body, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}

function clamp(n: number, min: number, max: number, fallback: number): number {
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}
