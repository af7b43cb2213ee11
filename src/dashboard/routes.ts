import { join } from 'node:path';
import type Koa from 'koa';
import type { ClusterApiDeps } from '../api/clusters/deps.js';
import type { Principal } from '../auth/types.js';
import { packageRoot } from '../package-root.js';
import type { PullRequestPlanView } from '../status/github/pr-handler.js';
import { createManifestReader, type ManifestSource } from './manifests.js';
import { securityHeaders, staticFiles } from './static.js';
import { uiApi } from './ui-api.js';

/** What the dashboard reads; built in main.ts from the same parts as the Clusters API. */
export interface DashboardDeps extends ManifestSource {
  /** The Clusters API's dependencies: the dashboard reads through the same access rules. */
  api: ClusterApiDeps;
  authenticate: (bearer: string) => Promise<Principal | null>;
  /** The repository URL, for links to manifests (only web hosts get links; credentials are dropped). */
  repoUrl?: string;
  /** Open pull requests' plans; absent when the GitHub integration is off. */
  pullRequests?: () => PullRequestPlanView[];
  /** A pull request's web address on GitHub. */
  pullRequestLink?: (number: number) => string;
  /** Where the built bundle is; default `<package>/dist/web`. */
  webRoot?: string;
}

/**
 * The read-only web dashboard: the bundle from `dist/web/` at `/` (and its client-side routes)
 * and its data under `/ui/api/`. Every change still goes through Git or the Clusters API.
 */
export function dashboardRoutes(deps: DashboardDeps): Koa.Middleware {
  const files = staticFiles(deps.webRoot ?? join(packageRoot(), 'dist', 'web'));
  const data = uiApi(deps, createManifestReader(deps));
  return async (ctx, next) => {
    if (ctx.path.startsWith('/ui/')) {
      securityHeaders(ctx);
      return data(ctx, next);
    }
    return files(ctx, next);
  };
}

/** The web address of a pull request, from the GitHub API base URL (github.com or GitHub Enterprise's `/api/v3`). */
export function githubPullLink(apiUrl: string, repo: string): (number: number) => string {
  const web = apiUrl === 'https://api.github.com' ? 'https://github.com' : apiUrl.replace(/\/api\/v3\/?$/, '');
  return (number) => `${web}/${repo}/pull/${number}`;
}
