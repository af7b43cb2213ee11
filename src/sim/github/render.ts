import type { ChangedFile } from './git.js';
import type { CommentRecord, PullRecord, StatusRecord, StatusState } from './store.js';

const WEB = 'https://github.com';

/** GitHub's timestamp format: ISO 8601 in UTC without milliseconds. */
export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A user object; ids are stable per login so payloads compare equal across calls. */
export function user(login: string): Record<string, unknown> {
  const id = [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 1e8;
  return { login, id, node_id: `U_${id}`, type: login.endsWith('[bot]') ? 'Bot' : 'User', site_admin: false, html_url: `${WEB}/${login}` };
}

/** The `repository` object of webhook payloads and `head.repo` / `base.repo`. */
export function repository(api: string, fullName: string): Record<string, unknown> {
  const [owner = '', name = ''] = fullName.split('/');
  const id = [...fullName].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 11) % 1e8;
  return { id, node_id: `R_${id}`, name, full_name: fullName, private: true, owner: user(owner), html_url: `${WEB}/${fullName}`, url: `${api}/repos/${fullName}`, default_branch: 'main' };
}

/** A pull request as `GET /pulls/{n}` answers it (the list omits `merged` and friends). */
export function pull(api: string, p: PullRecord, baseSha: string, detail: boolean): Record<string, unknown> {
  const repo = repository(api, p.repo);
  const owner = p.repo.split('/')[0]!;
  const view: Record<string, unknown> = {
    url: `${api}/repos/${p.repo}/pulls/${p.number}`,
    id: p.id,
    node_id: `PR_${p.id}`,
    html_url: `${WEB}/${p.repo}/pull/${p.number}`,
    issue_url: `${api}/repos/${p.repo}/issues/${p.number}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: user(p.author),
    body: null,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
    closed_at: p.closedAt === undefined ? null : iso(p.closedAt),
    merged_at: p.mergedAt === undefined ? null : iso(p.mergedAt),
    merge_commit_sha: p.mergeCommitSha ?? null,
    draft: false,
    head: { label: `${owner}:${p.head.ref}`, ref: p.head.ref, sha: p.head.sha, user: user(owner), repo },
    base: { label: `${owner}:${p.base.ref}`, ref: p.base.ref, sha: baseSha, user: user(owner), repo },
    author_association: 'MEMBER',
  };
  if (!detail) return view;
  const merged = p.mergedAt !== undefined;
  return { ...view, merged, mergeable: merged ? null : true, mergeable_state: merged ? 'unknown' : 'clean', merged_by: merged ? user(owner) : null };
}

export function file(api: string, repo: string, headSha: string, f: ChangedFile): Record<string, unknown> {
  const path = encodeURI(f.filename);
  return {
    sha: null,
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${WEB}/${repo}/blob/${headSha}/${path}`,
    raw_url: `${WEB}/${repo}/raw/${headSha}/${path}`,
    contents_url: `${api}/repos/${repo}/contents/${path}?ref=${headSha}`,
    ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}),
  };
}

export function comment(api: string, c: CommentRecord): Record<string, unknown> {
  return {
    url: `${api}/repos/${c.repo}/issues/comments/${c.id}`,
    html_url: `${WEB}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${api}/repos/${c.repo}/issues/${c.issue}`,
    id: c.id,
    node_id: `IC_${c.id}`,
    user: user(c.author),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    author_association: 'MEMBER',
    body: c.body,
  };
}

export function status(api: string, s: StatusRecord): Record<string, unknown> {
  return {
    url: `${api}/repos/${s.repo}/statuses/${s.sha}`,
    avatar_url: null,
    id: s.id,
    node_id: `SC_${s.id}`,
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: iso(s.createdAt),
    updated_at: iso(s.createdAt),
    creator: user(s.creator),
  };
}

/**
 * `GET /commits/{ref}/status`: the latest status per context; `failure` if any is failure or
 * error, else `pending` if any is pending or there are none, else `success`.
 */
export function combined(api: string, repo: string, sha: string, newestFirst: StatusRecord[]): Record<string, unknown> {
  const latest = new Map<string, StatusRecord>();
  for (const s of newestFirst) if (!latest.has(s.context)) latest.set(s.context, s);
  const states = [...latest.values()].map((s) => s.state);
  const state: StatusState = states.some((s) => s === 'failure' || s === 'error') ? 'failure' : states.length === 0 || states.includes('pending') ? 'pending' : 'success';
  return {
    state,
    statuses: [...latest.values()].map((s) => status(api, s)),
    sha,
    total_count: latest.size,
    repository: repository(api, repo),
    commit_url: `${api}/repos/${repo}/commits/${sha}`,
    url: `${api}/repos/${repo}/commits/${sha}/status`,
  };
}
