import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, converged, group, manifest, startApiWorld, waitFor, type ApiWorld } from '../api/api-harness.js';

const SECRET = 'ghp_SERVEDSECRET0123456789abcdef';

// `serve --local`: a known cluster's manifest replaced by a symlink to a 0600 token file. The
// cluster turns invalid; /ui/api shows the diagnostic but never the file the link points at.
describe('serve --local with a manifest replaced by a symlink', () => {
  let w: ApiWorld;
  const dir = mkdtempSync(join(tmpdir(), 'clusterops-local-serve-'));
  const prod = join(dir, 'tree', 'clusters', 'prod.yaml');

  beforeAll(async () => {
    mkdirSync(join(dir, 'tree', 'clusters'), { recursive: true });
    writeFileSync(join(dir, 'token'), `${SECRET}\n`, { mode: 0o600 });
    writeFileSync(prod, manifest('prod', { id: 'cluster_prod', groups: group('manager', 'small', 1) }));
    w = await startApiWorld({ config: { repo: undefined, local: join(dir, 'tree'), statusCommits: false } });
    await converged(w.co, 'cluster_prod', 1);
  });
  afterAll(async () => {
    await w?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the symlink diagnostic, and no content, for the cluster', async () => {
    rmSync(prod);
    symlinkSync(join(dir, 'token'), prod);
    await w.co.daemon.pollNow();
    await waitFor('prod invalid', () => w.co.daemon.desired().get('cluster_prod')?.kind === 'invalid');
    const detail = await call(w.co.url, 'GET', '/ui/api/clusters/cluster_prod', { token: w.tokens.alice });
    expect(detail.status).toBe(200);
    expect(detail.text).not.toContain(SECRET);
    expect(detail.json.manifest.text).toBeNull();
    expect(JSON.stringify(detail.json.manifest.invalid)).toContain('is a symbolic link; clusters/ holds only regular files');
    const list = await call(w.co.url, 'GET', '/ui/api/clusters', { token: w.tokens.alice });
    expect(list.text).not.toContain(SECRET);
  });
});
