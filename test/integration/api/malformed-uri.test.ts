import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../reliability/raw-http.js';
import { commits, converged, group, manifest, startApiWorld, type ApiWorld } from './api-harness.js';

const ALPHA = manifest('alpha', { id: 'cluster_alpha', groups: group('manager', 'small', 1) });

/**
 * Issue 14 item 11: a URL whose percent-encoding does not decode (`%`, `%E0%A4%A`, `%zz`) is a
 * client error on every route family — the Clusters API, the dashboard's data and pages, the
 * Git hook, the probes and /metrics — answered 400 in the error envelope, never 500.
 */
describe('malformed percent-encoding in paths and query strings', () => {
  let w: ApiWorld;

  beforeAll(async () => {
    w = await startApiWorld({ files: { 'clusters/alpha.yaml': ALPHA }, config: { statusCommits: false } });
    await converged(w.co, 'cluster_alpha', 1);
  });
  afterAll(async () => {
    await w?.close();
  });

  // Sent byte for byte: fetch and URL would re-encode a stray '%'.
  const send = (method: string, target: string, token?: string, body = '') =>
    rawRequest(w.co.url, [`${method} ${target} HTTP/1.1`, ...(token ? [`Authorization: Bearer ${token}`] : []), ...(body ? ['Content-Type: application/json'] : [])], body);

  const expectBadRequest = (target: string, reply: { status: number; json: any }) => {
    expect([target, reply.status, reply.json?.error?.code, reply.json?.error?.httpStatus]).toEqual([target, 400, 'BAD_REQUEST', 400]);
    expect(reply.json.error.message).toMatch(/percent-encod/);
  };

  it.each([
    ['dashboard data, one cluster', 'GET', '/ui/api/clusters/%'],
    ['dashboard data, one cluster, truncated UTF-8', 'GET', '/ui/api/clusters/%E0%A4%A'],
    ['dashboard data, query string', 'GET', '/ui/api/clusters?x=%E0%A4%A'],
    ['Clusters API read, query string', 'GET', '/api/cluster.one?clusterId=%E0%A4%A'],
    ['Clusters API read, bad key', 'GET', '/api/cluster.all?%zz=1'],
    ['Clusters API write, query string', 'POST', '/api/cluster.addNode?id=%'],
    ['Clusters API, path', 'GET', '/api/cluster.one%'],
    ['OpenAPI document', 'GET', '/api/openapi.json?%'],
    ['dashboard page', 'GET', '/clusters/%E0%A4%A'],
    ['dashboard asset', 'GET', '/assets/%zz.js'],
    ['Git hook', 'POST', '/hooks/git?%'],
    ['liveness probe', 'GET', '/healthz?x=%'],
    ['readiness probe', 'GET', '/readyz?x=%'],
    ['metrics', 'GET', '/metrics?%'],
    ['unknown route', 'GET', '/nowhere/%'],
  ])('%s (%s %s) answers 400 in the error envelope and commits nothing', async (_family, method, target) => {
    const before = commits(w.repo);
    const body = method === 'POST' ? JSON.stringify({ clusterId: 'cluster_alpha', role: 'worker', plan: 'small' }) : '';
    expectBadRequest(target, await send(method, target, w.tokens.alice, body));
    expect(commits(w.repo)).toEqual(before);
  });

  it('still serves well-formed escapes: an encoded cluster id finds the cluster, a literal %25 is just a wrong id', async () => {
    const ok = await send('GET', '/ui/api/clusters/cluster%5Falpha', w.tokens.alice);
    expect([ok.status, ok.json?.id]).toEqual([200, 'cluster_alpha']);
    const wrong = await send('GET', '/ui/api/clusters/%25', w.tokens.alice);
    expect([wrong.status, wrong.json?.error?.code]).toEqual([404, 'NOT_FOUND']);
    const api = await send('GET', '/api/cluster.one?clusterId=cluster%5Falpha', w.tokens.alice);
    expect([api.status, api.json?.result?.data?.id]).toEqual([200, 'cluster_alpha']);
  });
});
