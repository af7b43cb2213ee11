import { memo } from './context.js';
import { answerMessage, type ApiAnswer, type ReadOnlyApi } from './http.js';
import { check, type CheckSuite } from './types.js';

/** The GitHub integration's token and repository. */
export interface GitHubContext {
  api: ReadOnlyApi;
  /** `owner/name`. */
  repo: string;
  repository(): Promise<ApiAnswer>;
}

const SUBJECT = 'github';

/**
 * What a fine-grained token needs; GitHub has no endpoint that lists a fine-grained token's
 * permissions (only classic tokens report theirs, in `X-OAuth-Scopes`).
 */
export const FINE_GRAINED_PERMISSIONS = 'Pull requests: Read and write, Commit statuses: Read and write, Contents: Read, Metadata: Read';

export function gitHubSuite(api: ReadOnlyApi, repo: string): CheckSuite<GitHubContext> {
  return { subject: SUBJECT, context: { api, repo, repository: memo(() => api.get(`/repos/${repo}`)) }, gate: tokenCheck, checks: [repositoryCheck, scopesCheck] };
}

const tokenCheck = check<GitHubContext>(SUBJECT, 'token', async (ctx, r) => {
  const a = await ctx.api.get('/user');
  if (a.status !== 200) return [r.fail(`the token does not work: GET /user answered ${answerMessage(a)}`)];
  return [r.pass(`token works (user ${(a.body as { login?: string }).login ?? 'unknown'})`)];
});

const repositoryCheck = check<GitHubContext>(SUBJECT, 'repository', async (ctx, r) => {
  const a = await ctx.repository();
  if (a.status === 404) return [r.fail(`repository ${ctx.repo} does not exist or the token cannot see it`)];
  if (a.status !== 200) return [r.fail(`cannot read repository ${ctx.repo}: ${answerMessage(a)}`)];
  const repo = a.body as { private?: boolean; permissions?: { pull?: boolean } };
  if (repo.permissions && repo.permissions.pull === false) return [r.fail(`the token's user may not read ${ctx.repo}`)];
  return [r.pass(`repository ${ctx.repo} is reachable (${repo.private ? 'private' : 'public'})`)];
});

/** Classic tokens: `repo` (or `public_repo` for a public repository) covers pull requests, comments and statuses. */
const scopesCheck = check<GitHubContext>(SUBJECT, 'scopes', async (ctx, r) => {
  const a = await ctx.repository();
  if (a.status !== 200) return [r.skip('not checked: the repository cannot be read')];
  const header = a.headers.get('x-oauth-scopes');
  if (header === null) return [r.skip(`not checked: a fine-grained token's permissions cannot be read through the API; it needs ${FINE_GRAINED_PERMISSIONS} on ${ctx.repo}`)];
  const scopes = header.split(',').map((s) => s.trim()).filter(Boolean);
  const isPrivate = (a.body as { private?: boolean }).private !== false;
  const enough = scopes.includes('repo') || (!isPrivate && scopes.includes('public_repo'));
  const shown = scopes.length > 0 ? scopes.join(', ') : 'none';
  if (enough) return [r.pass(`classic token with scopes ${shown}`)];
  return [r.fail(`classic token with scopes ${shown}: it needs ${isPrivate ? 'repo (the repository is private)' : 'repo or public_repo'} to read pull requests and write comments and commit statuses`)];
});
