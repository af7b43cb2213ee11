import { join } from 'node:path';
import type Koa from 'koa';
import { packageRoot } from '../package-root.js';
import type { DashboardDeps } from './deps.js';
import { createManifestReader } from './manifests.js';
import { securityHeaders, staticFiles } from './static.js';
import { uiApi } from './ui-api.js';


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
