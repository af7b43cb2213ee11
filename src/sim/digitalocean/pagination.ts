export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 200;

/** One page of a list, with `links.pages` and `meta.total` as the API gives them (reference §1.3). */
export interface Page<T> {
  items: T[];
  links: { pages?: { first?: string; prev?: string; next?: string; last?: string } };
  meta: { total: number };
}

/**
 * Cuts one page out of `items`. `page` defaults to 1 and `per_page` to 20; a `per_page` above
 * 200 is clamped to 200. Link URLs are absolute and keep the request's other query parameters;
 * only the links that make sense are present, and there is no `pages` object when one page holds all.
 */
export function paginate<T>(items: readonly T[], query: URLSearchParams, selfUrl: string): Page<T> {
  const perPage = Math.min(MAX_PER_PAGE, positiveInt(query.get('per_page')) ?? DEFAULT_PER_PAGE);
  const page = positiveInt(query.get('page')) ?? 1;
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const url = (p: number) => {
    const u = new URL(selfUrl);
    u.search = '';
    for (const [k, v] of query) if (k !== 'page' && k !== 'per_page') u.searchParams.append(k, v);
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(perPage));
    return u.toString();
  };
  const pages: NonNullable<Page<T>['links']['pages']> = {};
  if (page > 1) Object.assign(pages, { first: url(1), prev: url(Math.min(page - 1, last)) });
  if (page < last) Object.assign(pages, { next: url(page + 1), last: url(last) });
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    links: Object.keys(pages).length > 0 ? { pages } : {},
    meta: { total: items.length },
  };
}

function positiveInt(raw: string | null): number | undefined {
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 ? n : undefined;
}
