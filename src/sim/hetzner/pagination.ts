import type { SimRequest } from '../common/http.js';

/** `meta.pagination` as Hetzner sends it (provider-apis.md §2.3). */
export interface PaginationMeta {
  page: number;
  per_page: number;
  previous_page: number | null;
  next_page: number | null;
  last_page: number;
  total_entries: number;
}

export interface Page<T> {
  items: T[];
  meta: PaginationMeta;
  /** The `Link` header (`rel="prev"|"next"|"last"`), absent when there is only one page. */
  link?: string;
}

const DEFAULT_PER_PAGE = 25;
const MAX_PER_PAGE = 50;

/** Reads `page` / `per_page` (per_page above 50 is capped); a string is the reason they are invalid. */
export function readPaging(query: URLSearchParams): { page: number; perPage: number } | string {
  const page = positiveInt(query.get('page'), 1);
  const perPage = positiveInt(query.get('per_page'), DEFAULT_PER_PAGE);
  if (page === null) return 'page must be a positive integer';
  if (perPage === null) return 'per_page must be a positive integer';
  return { page, perPage: Math.min(perPage, MAX_PER_PAGE) };
}

/** Cuts one page out of `all` and describes it. */
export function paginate<T>(req: SimRequest, all: readonly T[], paging: { page: number; perPage: number }): Page<T> {
  const { page, perPage } = paging;
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const meta: PaginationMeta = {
    page,
    per_page: perPage,
    previous_page: page > 1 ? Math.min(page - 1, lastPage) : null,
    next_page: page < lastPage ? page + 1 : null,
    last_page: lastPage,
    total_entries: all.length,
  };
  const items = all.slice((page - 1) * perPage, page * perPage);
  const link = linkHeader(req, meta);
  return link ? { items, meta, link } : { items, meta };
}

function linkHeader(req: SimRequest, meta: PaginationMeta): string | undefined {
  const rels: [string, number | null][] = [
    ['prev', meta.previous_page],
    ['next', meta.next_page],
    ['last', meta.last_page > 1 ? meta.last_page : null],
  ];
  const parts = rels.filter(([, p]) => p !== null).map(([rel, p]) => `<${pageUrl(req, p!, meta.per_page)}>; rel="${rel}"`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function pageUrl(req: SimRequest, page: number, perPage: number): string {
  const query = new URLSearchParams(req.query);
  query.set('page', String(page));
  query.set('per_page', String(perPage));
  return `http://${req.headers.host ?? '127.0.0.1'}${req.path}?${query.toString()}`;
}

function positiveInt(raw: string | null, fallback: number): number | null {
  if (raw === null || raw === '') return fallback;
  return /^[0-9]+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : null;
}
