import { Octokit } from 'octokit';
import type { Logger } from '../../logger.js';
import { classifyGitHubError } from './errors.js';

/** A commit status state as GitHub spells it. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** The parts of a pull request the status handler reads. */
export interface PullRequest {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  headSha: string;
  baseSha: string;
  mergeCommitSha: string | null;
  /** ISO time GitHub merged it, null when not merged. */
  mergedAt: string | null;
}

/** One file a pull request changes; `previousFilename` only for renames. */
export interface PullFile {
  filename: string;
  status: string;
  previousFilename?: string;
}

/** The newest status of one context on a commit. */
export interface CommitStatus {
  context: string;
  state: CommitState;
  description: string;
}

export interface IssueComment {
  id: number;
  body: string;
}

/** HTTP requests made so far (retries included); a 304 counts as a read that cost no rate limit. */
export interface ApiCallCounts {
  total: number;
  reads: number;
  writes: number;
  notModified: number;
}

/**
 * The GitHub REST calls the status adapter needs, for one repository.
 * Failure contract: every method throws a `TransientError` (rate limit after bounded retries,
 * 5xx, network) or a `StalledError` (bad token, no access, not found); a write that throws may or
 * may not have happened, so callers re-read before writing again (they are all `ensure*`).
 * Reads are conditional (ETag): an unchanged resource is served from cache by a 304.
 */
export interface GitHubClient {
  openPulls(): Promise<PullRequest[]>;
  /** The most recently updated closed pull requests (one page: merges are found as they happen, not from all history). */
  recentlyClosedPulls(): Promise<PullRequest[]>;
  pull(number: number): Promise<PullRequest>;
  pullFiles(number: number): Promise<PullFile[]>;
  /** The newest status per context on `sha` (GitHub lists newest first). */
  statuses(sha: string): Promise<CommitStatus[]>;
  setStatus(sha: string, status: CommitStatus): Promise<void>;
  comments(number: number): Promise<IssueComment[]>;
  createComment(number: number, body: string): Promise<IssueComment>;
  updateComment(id: number, body: string): Promise<void>;
  calls(): ApiCallCounts;
}

export interface GitHubClientOptions {
  token: string;
  /** API root, e.g. `https://api.github.com` or an emulator's URL. */
  baseUrl: string;
  owner: string;
  repo: string;
  log?: Logger;
  /** How many times a rate-limited request is retried before it fails (default 2). */
  rateLimitRetries?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const PER_PAGE = 100;
const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

interface CachedPage {
  etag: string;
  data: unknown;
}

/** Creates the client; it holds an ETag cache per URL for its lifetime. */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const counts: ApiCallCounts = { total: 0, reads: 0, writes: 0, notModified: 0 };
  const octokit = createOctokit(options, counts);
  const cache = new Map<string, CachedPage>();
  const repo = { owner: options.owner, repo: options.repo };

  /** A conditional GET: sends If-None-Match when a cached ETag exists; a 304 returns the cached data. */
  async function get<T>(url: string, params: Record<string, string | number>): Promise<T> {
    const key = `${url}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
    const cached = cache.get(key);
    const headers = cached ? { 'if-none-match': cached.etag } : {};
    try {
      const res = await octokit.request(`GET ${url}`, { ...repo, ...params, headers });
      const etag = res.headers.etag;
      if (etag) cache.set(key, { etag, data: res.data });
      return res.data as T;
    } catch (err) {
      if (cached && (err as { status?: number }).status === 304) {
        counts.notModified++;
        return cached.data as T;
      }
      throw classifyGitHubError(err, `GET ${url}`);
    }
  }

  async function getAll<T>(url: string, params: Record<string, string | number>): Promise<T[]> {
    const all: T[] = [];
    for (let page = 1; ; page++) {
      const items = await get<T[]>(url, { ...params, per_page: PER_PAGE, page });
      all.push(...items);
      if (items.length < PER_PAGE) return all;
    }
  }

  async function write(route: string, params: Record<string, unknown>): Promise<unknown> {
    try {
      return (await octokit.request(route, { ...repo, ...params })).data;
    } catch (err) {
      throw classifyGitHubError(err, route.split(' ')[0] ?? route);
    }
  }

  return {
    async openPulls() {
      const raw = await getAll<RawPull>('/repos/{owner}/{repo}/pulls', { state: 'open' });
      return raw.map(toPull);
    },
    async recentlyClosedPulls() {
      const raw = await get<RawPull[]>('/repos/{owner}/{repo}/pulls', { state: 'closed', sort: 'updated', direction: 'desc', per_page: 30 });
      return raw.map(toPull);
    },
    async pull(number) {
      return toPull(await get<RawPull>('/repos/{owner}/{repo}/pulls/{pull_number}', { pull_number: number }));
    },
    async pullFiles(number) {
      const raw = await getAll<RawFile>('/repos/{owner}/{repo}/pulls/{pull_number}/files', { pull_number: number });
      return raw.map((f) => ({ filename: f.filename, status: f.status, ...(f.previous_filename ? { previousFilename: f.previous_filename } : {}) }));
    },
    async statuses(sha) {
      const raw = await getAll<RawStatus>('/repos/{owner}/{repo}/commits/{ref}/statuses', { ref: sha });
      const newest = new Map<string, CommitStatus>();
      for (const s of raw) {
        if (!newest.has(s.context)) newest.set(s.context, { context: s.context, state: s.state, description: s.description ?? '' });
      }
      return [...newest.values()];
    },
    async setStatus(sha, status) {
      await write('POST /repos/{owner}/{repo}/statuses/{sha}', { sha, ...status });
    },
    async comments(number) {
      const raw = await getAll<RawComment>('/repos/{owner}/{repo}/issues/{issue_number}/comments', { issue_number: number });
      return raw.map((c) => ({ id: c.id, body: c.body ?? '' }));
    },
    async createComment(number, body) {
      const c = (await write('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { issue_number: number, body })) as RawComment;
      return { id: c.id, body: c.body ?? '' };
    },
    async updateComment(id, body) {
      await write('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { comment_id: id, body });
    },
    calls: () => ({ ...counts }),
  };
}

function createOctokit(options: GitHubClientOptions, counts: ApiCallCounts): Octokit {
  const retries = options.rateLimitRetries ?? 2;
  const baseFetch = options.fetch ?? globalThis.fetch;
  // Counting at the fetch level sees every HTTP request, retries and 304s included.
  const countingFetch: typeof fetch = (input, init) => {
    counts.total++;
    if (WRITE_METHODS.has((init?.method ?? 'GET').toUpperCase())) counts.writes++;
    else counts.reads++;
    return baseFetch(input, init);
  };
  const onLimit = (kind: string) => (retryAfter: number, req: { method: string; url: string }, _o: unknown, retryCount: number) => {
    options.log?.warn({ method: req.method, url: req.url, retryAfter, retryCount }, `GitHub ${kind} rate limit hit`);
    return retryCount < retries;
  };
  return new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    request: { fetch: countingFetch },
    throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
    retry: { retries },
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => options.log?.warn({}, message),
      error: (message: string) => options.log?.error({}, message),
    },
  });
}

interface RawPull {
  number: number;
  state: 'open' | 'closed';
  merged?: boolean;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  head: { sha: string };
  base: { sha: string };
}

interface RawFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

interface RawStatus {
  context: string;
  state: CommitState;
  description: string | null;
}

interface RawComment {
  id: number;
  body?: string | null;
}

function toPull(p: RawPull): PullRequest {
  return {
    number: p.number,
    state: p.state,
    // The list endpoint has no `merged`; `merged_at` is on both.
    merged: p.merged ?? Boolean(p.merged_at),
    headSha: p.head.sha,
    baseSha: p.base.sha,
    mergeCommitSha: p.merge_commit_sha ?? null,
    mergedAt: p.merged_at ?? null,
  };
}
