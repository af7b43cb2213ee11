import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../src/dashboard/index.js';
import { packageRoot } from '../../../src/package-root.js';
import { call, converged, group, manifest, startApiWorld, waitFor, type ApiWorld } from '../api/api-harness.js';

const ALPHA = manifest('alpha', { id: 'cluster_alpha', groups: [group('manager', 'small', 1), group('worker', 'small', 1)].join('\n') });
const BRAVO = manifest('bravo', { id: 'cluster_bravo', provider: 'hetzner', region: 'nbg1', groups: group('manager', 'small', 1) }).replace('organizationId: org_abc123', 'organizationId: org_other');

// The dashboard's server side over real HTTP: the bundle with its headers, and /ui/api with the
// API's tokens and access rules (DESIGN §6), on a running clusterops.
describe('dashboard: static files and /ui/api', () => {
  let w: ApiWorld;
  const get = (path: string, token?: string, headers: Record<string, string> = {}) => call(w.co.url, 'GET', path, { ...(token ? { token } : {}), headers });

  beforeAll(async () => {
    w = await startApiWorld({ files: { 'clusters/alpha.yaml': ALPHA, 'clusters/bravo.yaml': BRAVO }, config: { statusCommits: false } });
    await Promise.all([converged(w.co, 'cluster_alpha', 2), converged(w.co, 'cluster_bravo', 1)]);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('serves the app at / and at its client-side routes with a strict CSP, and its assets as immutable files', async () => {
    const index = readFileSync(join(packageRoot(), 'dist', 'web', 'index.html'), 'utf8');
    for (const path of ['/', '/clusters/cluster_alpha', '/pull-requests']) {
      const res = await get(path);
      expect([path, res.status, res.headers.get('content-type'), res.headers.get('cache-control')]).toEqual([path, 200, 'text/html; charset=utf-8', 'no-cache']);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.text).toBe(index);
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    // Nothing inline for the CSP to refuse, and nothing from another origin.
    expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=|https?:\/\//);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1]!;
    const js = await get(script);
    expect([js.status, js.headers.get('content-type'), js.headers.get('cache-control')]).toEqual([200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable']);
    const css = await get(/href="(\/assets\/[^"]+\.css)"/.exec(index)![1]!);
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    expect((await get('/favicon.svg')).headers.get('content-type')).toBe('image/svg+xml');
  });

  it('serves nothing outside the bundle and leaves other routes alone', async () => {
    for (const path of ['/assets/..%2f..%2fpackage.json', '/assets/missing.js', '/package.json', '/clusters/a/b', '/index.html']) expect([path, (await get(path)).status]).toEqual([path, 404]);
    expect((await get('/healthz')).json).toEqual({ status: 'ok' });
    expect((await get('/api/openapi.json')).status).toBe(200);
  });

  it('answers 401 without a valid token and 405 to writes: it is read-only', async () => {
    const none = await get('/ui/api/clusters');
    expect([none.status, none.json.error.code, none.headers.get('www-authenticate')]).toEqual([401, 'UNAUTHORIZED', 'Bearer realm="clusterops"']);
    expect((await get('/ui/api/clusters', 'cot_not-a-real-token-000000')).status).toBe(401);
    const post = await call(w.co.url, 'POST', '/ui/api/clusters', { token: w.tokens.alice, body: {} });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect((await get('/ui/api/nope', w.tokens.alice)).status).toBe(404);
  });

  it('lists exactly the clusters each user may read, with status, nodes ready/desired, cost and revision', async () => {
    const alice = await get('/ui/api/clusters', w.tokens.alice);
    expect(alice.json.clusters.map((c: { id: string }) => c.id)).toEqual(['cluster_alpha']);
    expect(alice.json.clusters[0]).toMatchObject({
      name: 'alpha',
      provider: 'digitalocean',
      region: 'sfo3',
      status: 'running',
      reason: { code: 'Converged', message: '2/2 nodes running' },
      nodes: { ready: 2, desired: 2, observed: 2 },
      monthlyCost: { amount: 36, currency: 'USD', text: '$36.00' },
      revision: { sha: w.co.daemon.desired().revision, committedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    expect((await get('/ui/api/clusters', w.tokens.eve)).json.clusters.map((c: { id: string }) => c.id)).toEqual(['cluster_bravo']);
    expect((await get('/ui/api/clusters', w.tokens.eve)).json.clusters[0].monthlyCost.text).toBe('€20.49');
    // A member without grants sees nothing.
    expect((await get('/ui/api/clusters', w.tokens.bob)).json.clusters).toEqual([]);
    expect((await get('/ui/api/session', w.tokens.eve)).json).toEqual({ userId: 'user_eve', organizations: [{ id: 'org_other', role: 'admin' }], github: false });
  });

  it("answers 404 for another organization's cluster, exactly as for one that does not exist", async () => {
    const other = await get('/ui/api/clusters/cluster_alpha', w.tokens.eve);
    const ghost = await get('/ui/api/clusters/cluster_ghost', w.tokens.eve);
    expect([other.status, other.json]).toEqual([404, { error: { code: 'NOT_FOUND', message: 'cluster not found', httpStatus: 404 } }]);
    expect([ghost.status, ghost.json]).toEqual([other.status, other.json]);
    expect((await get('/ui/api/clusters/cluster_alpha', w.tokens.bob)).status).toBe(404);
  });

  it('shows one cluster with its nodes, conditions, events and the manifest as it stands in Git', async () => {
    const { status, json } = await get('/ui/api/clusters/cluster_alpha', w.tokens.alice);
    expect(status).toBe(200);
    expect(json.nodeList.map((n: { id: string; role: string; status: string }) => `${n.id}:${n.role}:${n.status}`)).toEqual(['node_001:manager:running', 'node_002:worker:running']);
    expect(json.conditions.map((c: { type: string; status: boolean }) => `${c.type}=${c.status}`)).toEqual(['Ready=true', 'Reconciling=false', 'Stalled=false']);
    expect(json.events.map((e: { type: string }) => e.type)).toContain('created');
    // The repository is a local bare path here: no web link, the path and revision instead.
    expect(json.manifest).toEqual({ path: 'clusters/alpha.yaml', revision: w.co.daemon.desired().revision, text: ALPHA, link: null, invalid: null });
  });

  it('revalidates polls with ETags: an unchanged answer is a 304 without a body', async () => {
    const first = await get('/ui/api/clusters/cluster_alpha', w.tokens.alice);
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('cache-control')).toBe('no-store');
    const again = await get('/ui/api/clusters/cluster_alpha', w.tokens.alice, { 'If-None-Match': etag });
    expect([again.status, again.text]).toEqual([304, '']);
    // Another user's ETag for another body never matches.
    expect((await get('/ui/api/clusters', w.tokens.eve, { 'If-None-Match': etag })).status).toBe(200);
  });

  it('puts no token, credential or provider request token in any answer', async () => {
    const texts = await Promise.all(['session', 'clusters', 'clusters/cluster_alpha', 'pulls'].map(async (p) => (await get(`/ui/api/${p}`, w.tokens.alice)).text));
    const secrets = [...Object.values(w.tokens), ...leaves(w.sim.credentials)];
    expect(secrets.length).toBeGreaterThan(4);
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
    for (const text of texts) expect(text).not.toMatch(/requestToken|"ct-|intents|providerId/);
  });

  it('says the GitHub integration is off rather than listing no pull requests', async () => {
    expect((await get('/ui/api/pulls', w.tokens.alice)).json).toEqual({ enabled: false });
  });

  // Last: it breaks alpha's manifest.
  it('shows an invalid manifest as an error with the validator\'s file:line:col message, and the file as pushed', async () => {
    const broken = ALPHA.replace('count: 1\n', 'count: -1\n');
    w.repo.push({ 'clusters/alpha.yaml': broken }, 'alpha: a typo');
    await heldAs(w.co, 'cluster_alpha', 'invalid');
    await waitFor('alpha in error', async () => (await get('/ui/api/clusters', w.tokens.alice)).json.clusters[0].status === 'error');
    const row = (await get('/ui/api/clusters', w.tokens.alice)).json.clusters[0];
    expect(row.reason).toEqual({ code: 'InvalidManifest', message: expect.stringMatching(/^clusters\/alpha\.yaml:\d+:\d+: .*-1/) });
    const detail = (await get('/ui/api/clusters/cluster_alpha', w.tokens.alice)).json;
    expect(detail.manifest).toMatchObject({ text: broken, invalid: row.reason.message });
    // Its VMs stay, and so do its nodes on the page.
    expect(detail.nodeList).toHaveLength(2);
  });
});

/** Every string value in an object tree (the simulated cloud's tokens and keys). */
function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return value && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [];
}

/** Waits until the daemon has taken in a push and holds the cluster as `kind`. */
async function heldAs(co: ApiWorld['co'], clusterId: string, kind: 'valid' | 'invalid'): Promise<void> {
  await co.daemon.pollNow();
  await waitFor(`${clusterId} ${kind}`, () => co.daemon.desired().get(clusterId)?.kind === kind);
}
