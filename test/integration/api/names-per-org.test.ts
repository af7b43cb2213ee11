import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, clusterFiles, converged, group, manifest, manifestCommits, startApiWorld, waitFor, type ApiWorld, type CallOptions } from './api-harness.js';

const ALPHA = manifest('alpha', { id: 'cluster_alpha', groups: group('manager', 'small', 1) });
const BETA = manifest('beta', { id: 'cluster_beta', groups: group('manager', 'small', 1) });
const body = (organizationId: string, name: string) => ({ organizationId, name, provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', nodes: [{ role: 'manager', plan: 'small', count: 1 }] });
/** An answer with what differs between two equal-kind answers (ids, times) taken out. */
const shape = (r: { status: number; json: any }) => ({ status: r.status, keys: Object.keys(r.json?.result?.data ?? r.json?.error ?? {}), status2: r.json?.result?.data?.status, code: r.json?.error?.code });

/**
 * Issue 14 item 9(a): cluster names are per organization (DESIGN §6). Creating or renaming to a
 * name another organization uses answers exactly as for a free name — no 409 oracle of other
 * organizations' names — and the repository holds both clusters (the second as
 * `clusters/<name>.<organizationId>.yaml`), each with its own status file. A name taken in the
 * caller's own organization still answers 409.
 */
describe('cluster names are per organization: no cross-organization name oracle', () => {
  let w: ApiWorld;
  const as = (token: string) => (method: string, procedure: string, o: CallOptions = {}) => call(w.co.url, method, `/api/${procedure}`, { token, ...o });

  beforeAll(async () => {
    w = await startApiWorld({ files: { 'clusters/alpha.yaml': ALPHA, 'clusters/beta.yaml': BETA }, clusterIds: ['cluster_evealpha', 'cluster_evefree', 'cluster_evegamma'] });
    await Promise.all([converged(w.co, 'cluster_alpha', 1), converged(w.co, 'cluster_beta', 1)]);
  });
  afterAll(async () => {
    await w?.close();
  });

  it("org_other creating a name org_abc123 uses gets the answer a free name gets, and the repository holds both clusters", async () => {
    const eve = as(w.tokens.eve);
    const taken = await eve('POST', 'cluster.create', { body: body('org_other', 'alpha') });
    const free = await eve('POST', 'cluster.create', { body: body('org_other', 'free-name') });
    expect(shape(taken)).toEqual(shape(free));
    expect([taken.status, taken.json.result.data.name, taken.json.result.data.id]).toEqual([201, 'alpha', 'cluster_evealpha']);
    expect(clusterFiles(w.repo)).toEqual(['clusters/alpha.org_other.yaml', 'clusters/alpha.yaml', 'clusters/beta.yaml', 'clusters/free-name.yaml']);
    expect(w.repo.show('clusters/alpha.yaml')).toBe(ALPHA);
    expect(parse(w.repo.show('clusters/alpha.org_other.yaml')!)).toMatchObject({ id: 'cluster_evealpha', organizationId: 'org_other', name: 'alpha' });
    // Both converge, each organization sees only its own alpha, by name.
    await converged(w.co, 'cluster_evealpha', 1);
    const mine = await eve('GET', 'cluster.all');
    expect(mine.json.result.data.map((c: { id: string; name: string }) => `${c.id}:${c.name}`).sort()).toEqual(['cluster_evealpha:alpha', 'cluster_evefree:free-name']);
    const theirs = await as(w.tokens.alice)('GET', 'cluster.all');
    expect(theirs.json.result.data.map((c: { id: string; name: string }) => `${c.id}:${c.name}`)).toEqual(['cluster_alpha:alpha', 'cluster_beta:beta']);
  });

  it('each alpha has its own status file, which follows the manifest file', async () => {
    await waitFor('both status files', () => w.repo.show('status/alpha.org_other.yaml') !== undefined && parse(w.repo.show('status/alpha.yaml') ?? '{}')?.status === 'running');
    expect(parse(w.repo.show('status/alpha.yaml')!)).toMatchObject({ id: 'cluster_alpha', name: 'alpha' });
    expect(parse(w.repo.show('status/alpha.org_other.yaml')!)).toMatchObject({ id: 'cluster_evealpha', name: 'alpha' });
  });

  it('a name taken in the caller’s own organization still answers 409 and commits nothing', async () => {
    const before = manifestCommits(w.repo);
    const alice = await as(w.tokens.alice)('POST', 'cluster.create', { body: body('org_abc123', 'alpha') });
    expect([alice.status, alice.json.error.code, alice.json.error.path]).toEqual([409, 'CONFLICT', 'name']);
    const eve = await as(w.tokens.eve)('POST', 'cluster.create', { body: body('org_other', 'alpha') });
    expect([eve.status, eve.json.error.code]).toEqual([409, 'CONFLICT']);
    const rename = await as(w.tokens.eve)('PATCH', 'cluster.update', { body: { clusterId: 'cluster_evefree', name: 'alpha' } });
    expect([rename.status, rename.json.error.code]).toEqual([409, 'CONFLICT']);
    expect(manifestCommits(w.repo)).toEqual(before);
  });

  it("renaming onto a name another organization uses answers as a free rename; the file moves to the organization's own", async () => {
    const eve = as(w.tokens.eve);
    const onto = await eve('PATCH', 'cluster.update', { body: { clusterId: 'cluster_evefree', name: 'beta' } });
    expect([onto.status, onto.json.result.data.name]).toEqual([200, 'beta']);
    expect(clusterFiles(w.repo)).toContain('clusters/beta.org_other.yaml');
    expect(clusterFiles(w.repo)).not.toContain('clusters/free-name.yaml');
    expect(w.repo.show('clusters/beta.yaml')).toBe(BETA);
    const away = await eve('PATCH', 'cluster.update', { body: { clusterId: 'cluster_evefree', name: 'gamma' } });
    expect(shape(away)).toEqual(shape(onto));
    expect(clusterFiles(w.repo)).toEqual(['clusters/alpha.org_other.yaml', 'clusters/alpha.yaml', 'clusters/beta.yaml', 'clusters/gamma.yaml']);
  });

  it("writes to org_other's alpha edit its own file, and removing it leaves org_abc123's alpha and status file alone", async () => {
    const eve = as(w.tokens.eve);
    const add = await eve('POST', 'cluster.addNode', { body: { clusterId: 'cluster_evealpha', role: 'worker', plan: 'small' } });
    expect(add.status).toBe(200);
    expect(parse(w.repo.show('clusters/alpha.org_other.yaml')!).nodes).toEqual([{ role: 'manager', plan: 'small', count: 1 }, { role: 'worker', plan: 'small', count: 1 }]);
    expect(w.repo.show('clusters/alpha.yaml')).toBe(ALPHA);
    expect((await eve('DELETE', 'cluster.remove', { body: { clusterId: 'cluster_evealpha' } })).status).toBe(204);
    await waitFor('eve alpha gone', () => w.co.store.cluster('cluster_evealpha') === undefined);
    await waitFor('its status file gone', () => w.repo.show('status/alpha.org_other.yaml') === undefined);
    expect(w.repo.show('clusters/alpha.yaml')).toBe(ALPHA);
    expect(parse(w.repo.show('status/alpha.yaml')!)).toMatchObject({ id: 'cluster_alpha', status: 'running' });
    expect(w.co.store.cluster('cluster_alpha')?.status?.status).toBe('running');
  });

  it("removing a cluster whose manifest a person moved into a sub-folder deletes that file, never another organization's file of that name", async () => {
    const eve = as(w.tokens.eve);
    const moved = w.repo.show('clusters/gamma.yaml')!;
    // clusters/eu/beta.yaml: its stem is beta, the name of org_abc123's cluster in clusters/beta.yaml.
    w.repo.push({ 'clusters/gamma.yaml': null, 'clusters/eu/beta.yaml': moved }, 'move gamma into eu/ as beta');
    await w.co.daemon.pollNow();
    await waitFor('evefree invalid', () => w.co.daemon.desired().get('cluster_evefree')?.kind === 'invalid');
    expect((await eve('DELETE', 'cluster.remove', { body: { clusterId: 'cluster_evefree' } })).status).toBe(204);
    expect(w.repo.show('clusters/eu/beta.yaml')).toBeUndefined();
    expect(w.repo.show('clusters/beta.yaml')).toBe(BETA);
    await waitFor('evefree gone', () => w.co.store.cluster('cluster_evefree') === undefined);
    expect(w.co.store.cluster('cluster_beta')?.status?.status).toBe('running');
  });
});
