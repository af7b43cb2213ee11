import { createHash } from 'node:crypto';
import type Koa from 'koa';
import type { Principal } from '../auth/types.js';
import { readableClusters, resolveCluster } from '../api/clusters/resolve.js';
import { toApiNodes, type KnownCluster } from '../api/clusters/view.js';
import { ApiError } from '../api/errors.js';
import { authenticateBearer } from '../api/router.js';
import { decodeSegment } from '../api/uri.js';
import { manifestLink, type ManifestReader } from './manifests.js';
import type { DashboardDeps } from './deps.js';
import { pullsView } from './pulls.js';
import type { ClusterDetailView, OverviewView, SessionView } from './types.js';
import { toConditions, toRow } from './views.js';

/**
 * `/ui/api/…`: read-only JSON for the dashboard, with the API's bearer tokens and access rules
 * (the same `readableClusters` / `resolveCluster`), so it shows exactly what `/api` lets the user
 * read: another organization's cluster is absent from lists and a guessed id answers 404.
 * Answers carry an ETag; a poll with a matching `If-None-Match` gets 304 and no body.
 */
export function uiApi(deps: DashboardDeps, reader: ManifestReader): Koa.Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/ui/api/')) return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Vary', 'Authorization');
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      throw new ApiError('METHOD_NOT_SUPPORTED', 'the dashboard is read-only: change clusters through Git or the Clusters API');
    }
    const principal = await authenticateBearer(ctx, deps.authenticate);
    const body = await answer(ctx.path.slice('/ui/api/'.length), principal, deps, reader);
    const json = JSON.stringify(body);
    const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
    ctx.set('ETag', etag);
    // Compared here rather than with Koa's `ctx.fresh`, which never answers 304 to the
    // `Cache-Control: no-cache` that fetch adds to every conditional request.
    if (matches(ctx.get('if-none-match'), etag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/json';
    ctx.body = json;
  };
}

function matches(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

async function answer(route: string, principal: Principal, deps: DashboardDeps, reader: ManifestReader): Promise<unknown> {
  if (route === 'session') return session(principal, deps);
  if (route === 'clusters') return overview(principal, deps, reader);
  if (route === 'pulls') return pullsView(principal, deps);
  const one = /^clusters\/([^/]+)$/.exec(route);
  if (one) return detail(resolveCluster(deps.api, principal, decodeSegment(one[1]!), 'read'), deps, reader);
  throw new ApiError('NOT_FOUND', `no dashboard data at /ui/api/${route}`);
}

function session(principal: Principal, deps: DashboardDeps): SessionView {
  return { userId: principal.userId, organizations: principal.memberships.map((m) => ({ id: m.organizationId, role: m.role })), github: deps.pullRequests !== undefined };
}

async function overview(principal: Principal, deps: DashboardDeps, reader: ManifestReader): Promise<OverviewView> {
  const clusters = readableClusters(deps.api, principal);
  const times = await commitTimes(clusters, reader);
  return { revision: deps.api.desired().revision, clusters: clusters.map((c) => toRow(c, deps.api.now, (sha) => times.get(sha) ?? null)) };
}

async function detail(c: KnownCluster, deps: DashboardDeps, reader: ManifestReader): Promise<ClusterDetailView> {
  const times = await commitTimes([c], reader);
  const revision = deps.api.desired().revision;
  const path = c.file ?? `clusters/${c.name}.yaml`;
  return {
    ...toRow(c, deps.api.now, (sha) => times.get(sha) ?? null),
    nodeList: toApiNodes(c),
    conditions: toConditions(c),
    events: (c.record?.events ?? []).map(({ at, type, nodeId, message }) => ({ at, type, ...(nodeId ? { nodeId } : {}), message })),
    manifest: {
      path,
      revision,
      text: c.manifest || c.invalid ? await reader.text(revision, path) : null,
      link: c.manifest || c.invalid ? manifestLink(deps.repoUrl, revision, path) : null,
      invalid: c.invalid ?? null,
    },
    access: c.access.map(({ userId, permission }) => ({ userId, permission })),
    createdAt: c.record?.createdAt ?? null,
  };
}

async function commitTimes(clusters: readonly KnownCluster[], reader: ManifestReader): Promise<Map<string, string | null>> {
  const shas = [...new Set(clusters.map((c) => c.record?.status?.observedRevision ?? '').filter(Boolean))];
  return new Map(await Promise.all(shas.map(async (sha) => [sha, await reader.committedAt(sha)] as const)));
}
