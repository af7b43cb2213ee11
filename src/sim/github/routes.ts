import { jsonBody, type SimRequest, type SimResponse } from '../common/http.js';
import { diffFiles, resolveCommit } from './git.js';
import * as render from './render.js';
import { ghError, invalid, notFound, ok, page } from './respond.js';
import type { GitHubStore, PullRecord, StatusState } from './store.js';

/** One REST route: method, path pattern (captures owner, repo, then an id/ref), octokit's name. */
export interface ApiRoute {
  method: string;
  pattern: RegExp;
  operation: string;
  handle(req: SimRequest, ctx: RouteContext): Promise<SimResponse>;
}

/** What a route knows about the matched request. */
export interface RouteContext {
  /** `owner/name`, when the route is under `/repos/{o}/{r}` and the repo is known. */
  repo: string;
  bareRepoPath: string;
  /** The route's last capture (a number, sha or ref), URI-decoded. */
  param: string;
}

export interface RouteDeps {
  store: GitHubStore;
  /** The emulator's base URL, for the `url` fields. */
  api(): string;
  /** The login of the token's user (author of comments and statuses). */
  login: string;
  /** What the token's user may do in every repository (`permissions` of `GET /repos/{o}/{r}`). */
  permissions(): Readonly<RepoPermissions>;
}

/** A user's role in a repository, as `GET /repos/{owner}/{repo}` reports it. */
export interface RepoPermissions {
  admin: boolean;
  maintain: boolean;
  push: boolean;
  triage: boolean;
  pull: boolean;
}

const R = '/repos/([^/]+)/([^/]+)';

/** The GitHub REST routes the emulator serves; `GET /rate_limit` is answered by the handler. */
export function createRoutes(d: RouteDeps): ApiRoute[] {
  const route = (method: string, path: string, operation: string, handle: ApiRoute['handle']): ApiRoute => ({ method, pattern: new RegExp(`^${R}${path}$`), operation, handle });
  return [
    route('GET', '', 'repos.get', async (_, c) => ok({ ...render.repository(d.api(), c.repo), permissions: { ...d.permissions() } })),
    route('GET', '/pulls', 'pulls.list', (req, c) => listPulls(d, req, c)),
    route('GET', '/pulls/([0-9]+)', 'pulls.get', (_, c) => withPull(d, c, async (p) => ok(render.pull(d.api(), p, await baseSha(c, p), true)))),
    route('GET', '/pulls/([0-9]+)/files', 'pulls.listFiles', (req, c) => withPull(d, c, (p) => listFiles(d, req, c, p))),
    route('POST', '/statuses/([^/]+)', 'repos.createCommitStatus', (req, c) => createStatus(d, req, c)),
    route('GET', '/commits/(.+)/statuses', 'repos.listCommitStatusesForRef', (req, c) =>
      withRef(c, async (sha) => page(d.api(), req, d.store.statusesOf(c.repo, sha).map((s) => render.status(d.api(), s)))),
    ),
    route('GET', '/commits/(.+)/status', 'repos.getCombinedStatusForRef', (_, c) => withRef(c, async (sha) => ok(render.combined(d.api(), c.repo, sha, d.store.statusesOf(c.repo, sha))))),
    route('GET', '/issues/([0-9]+)/comments', 'issues.listComments', (req, c) =>
      withIssue(d, c, async (n) => page(d.api(), req, d.store.commentsOf(c.repo, n).map((x) => render.comment(d.api(), x)))),
    ),
    route('POST', '/issues/([0-9]+)/comments', 'issues.createComment', (req, c) => withIssue(d, c, async (n) => createComment(d, req, c, n))),
    route('PATCH', '/issues/comments/([0-9]+)', 'issues.updateComment', async (req, c) => updateComment(d, req, c)),
  ];
}

async function baseSha(c: RouteContext, p: PullRecord): Promise<string> {
  return p.baseShaAtMerge ?? (await resolveCommit(c.bareRepoPath, `refs/heads/${p.base.ref}`)) ?? '';
}

async function withPull(d: RouteDeps, c: RouteContext, then: (p: PullRecord) => Promise<SimResponse>): Promise<SimResponse> {
  const pull = d.store.pull(c.repo, Number(c.param));
  return pull ? then(pull) : notFound();
}

/** Issue routes accept any issue number GitHub would have: here, the repo's pull requests. */
async function withIssue(d: RouteDeps, c: RouteContext, then: (n: number) => Promise<SimResponse>): Promise<SimResponse> {
  const n = Number(c.param);
  return d.store.pull(c.repo, n) ? then(n) : notFound();
}

async function withRef(c: RouteContext, then: (sha: string) => Promise<SimResponse>): Promise<SimResponse> {
  const sha = await resolveCommit(c.bareRepoPath, c.param);
  return sha === undefined ? ghError(422, `No commit found for SHA: ${c.param}`) : then(sha);
}

/** `state` (open|closed|all), `head` (`owner:branch`) and `base` filters, newest first. */
async function listPulls(d: RouteDeps, req: SimRequest, c: RouteContext): Promise<SimResponse> {
  const state = req.query.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(state)) return invalid('PullRequest', 'state');
  const head = req.query.get('head');
  const base = req.query.get('base');
  const pulls = d.store
    .pullsOf(c.repo)
    .filter((p) => state === 'all' || p.state === state)
    .filter((p) => head === null || head === p.head.ref || head === `${c.repo.split('/')[0]}:${p.head.ref}`)
    .filter((p) => base === null || base === p.base.ref)
    .reverse();
  const views = await Promise.all(pulls.map(async (p) => render.pull(d.api(), p, await baseSha(c, p), false)));
  return page(d.api(), req, views);
}

async function listFiles(d: RouteDeps, req: SimRequest, c: RouteContext, p: PullRecord): Promise<SimResponse> {
  const files = await diffFiles(c.bareRepoPath, await baseSha(c, p), p.head.sha);
  return page(d.api(), req, files.map((f) => render.file(d.api(), c.repo, p.head.sha, f)));
}

const STATES: readonly StatusState[] = ['pending', 'success', 'failure', 'error'];

async function createStatus(d: RouteDeps, req: SimRequest, c: RouteContext): Promise<SimResponse> {
  const body = jsonBody<{ state?: unknown; context?: unknown; description?: unknown; target_url?: unknown }>(req);
  if (!body) return ghError(400, 'Problems parsing JSON');
  if (!STATES.includes(body.state as StatusState)) return invalid('Status', 'state');
  const optional = (v: unknown) => (typeof v === 'string' ? v : null);
  // GitHub only accepts a full sha here: a branch name is "No commit found".
  const sha = /^[0-9a-f]{40}$/.test(c.param) ? await resolveCommit(c.bareRepoPath, c.param) : undefined;
  if (sha === undefined) return ghError(422, `No commit found for SHA: ${c.param}`);
  const status = d.store.addStatus({
    repo: c.repo,
    sha,
    state: body.state as StatusState,
    context: typeof body.context === 'string' && body.context !== '' ? body.context : 'default',
    description: optional(body.description),
    targetUrl: optional(body.target_url),
    creator: d.login,
  });
  return ok(render.status(d.api(), status), 201);
}

/** GitHub's cap on an issue comment body, in characters (its 422 says "Body is too long (maximum is 65536 characters)"). */
const MAX_COMMENT_CHARS = 65_536;

function tooLong(body: string): SimResponse | undefined {
  if ([...body].length <= MAX_COMMENT_CHARS) return undefined;
  return ghError(422, 'Validation Failed', { errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: `Body is too long (maximum is ${MAX_COMMENT_CHARS} characters)` }] });
}

async function createComment(d: RouteDeps, req: SimRequest, c: RouteContext, issue: number): Promise<SimResponse> {
  const body = jsonBody<{ body?: unknown }>(req);
  if (!body) return ghError(400, 'Problems parsing JSON');
  if (typeof body.body !== 'string' || body.body === '') return invalid('IssueComment', 'body', 'missing_field');
  const refused = tooLong(body.body);
  if (refused) return refused;
  return ok(render.comment(d.api(), d.store.addComment(c.repo, issue, body.body, d.login)), 201);
}

async function updateComment(d: RouteDeps, req: SimRequest, c: RouteContext): Promise<SimResponse> {
  const comment = d.store.comment(c.repo, Number(c.param));
  if (!comment) return notFound();
  const body = jsonBody<{ body?: unknown }>(req);
  if (!body) return ghError(400, 'Problems parsing JSON');
  if (typeof body.body !== 'string' || body.body === '') return invalid('IssueComment', 'body', 'missing_field');
  const refused = tooLong(body.body);
  if (refused) return refused;
  d.store.editComment(comment, body.body);
  return ok(render.comment(d.api(), comment));
}
