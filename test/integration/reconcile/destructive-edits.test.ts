import { afterEach, describe, expect, it } from 'vitest';
import { call, commits, converged, group, manifest, startApiWorld, vmsOf, waitFor, type ApiWorld } from '../api/api-harness.js';

/**
 * Everyday Git edits against a converged cluster (issue 14, items 1–3): the state of the world
 * afterwards — which VMs exist, what the remote holds, what the API answers.
 */
const GROUPS = [group('manager', 'small', 1), group('worker', 'small', 1)].join('\n');
const PROD = manifest('prod', { id: 'cluster_prod', groups: GROUPS });

describe('destructive Git edits never destroy a cluster', { timeout: 60_000 }, () => {
  let w: ApiWorld;
  afterEach(async () => {
    await w?.close();
  });

  /** A world with `prod` converged (2 VMs on DigitalOcean); returns its VM ids. */
  async function convergedProd(): Promise<string[]> {
    w = await startApiWorld({ files: { 'clusters/prod.yaml': PROD }, config: { statusCommits: false } });
    await converged(w.co, 'cluster_prod', 2);
    return vmIds();
  }
  const vmIds = () => vmsOf(w.sim, 'cluster_prod').map((v) => `${v.provider}:${v.id}`).sort();
  const allVms = () => Object.values(w.sim.emulators).flatMap((e) => e.vms());
  const status = () => w.co.store.cluster('cluster_prod')?.status;
  const push = async (files: Record<string, string | null>, message: string) => {
    w.repo.push(files, message);
    await w.co.daemon.pollNow();
  };

  it('removing the id: line commits the old id back; the same VMs keep running, nothing is created', async () => {
    const before = await convergedProd();

    await push({ 'clusters/prod.yaml': PROD.replace(/^id: .*\n/m, '') }, 'drop the id line');
    await waitFor('the id restored on the remote', () => w.repo.show('clusters/prod.yaml')?.includes('id: cluster_prod') ?? false);
    await w.co.daemon.pollNow();
    await converged(w.co, 'cluster_prod', 2);

    expect(w.repo.show('clusters/prod.yaml')).toBe(PROD);
    expect(commits(w.repo).map((c) => c.subject)).toContain('chore(clusterops): restore id of prod');
    expect(vmIds()).toEqual(before);
    expect(allVms()).toHaveLength(2);
    expect(w.co.store.clusters().map((r) => r.id)).toEqual(['cluster_prod']);
  });

  const broken = `${PROD}  - role: [worker\n`;
  it.each([
    { layout: 'a sub-folder (git mv clusters/prod.yaml clusters/eu/prod.yaml)', to: 'clusters/eu/prod.yaml', content: PROD },
    { layout: '.yml', to: 'clusters/prod.yml', content: PROD },
    { layout: 'an upper-case file name', to: 'clusters/Prod.yaml', content: PROD },
    { layout: 'an underscore in the file name', to: 'clusters/prod_eu.yaml', content: PROD },
    { layout: 'a dotfile', to: 'clusters/.prod.yaml', content: PROD },
    { layout: 'a rename with a syntax error', to: 'clusters/prod-eu.yaml', content: broken },
  ])('moving the manifest into $layout deletes no VM: the cluster is error, naming the file', async ({ to, content }) => {
    const before = await convergedProd();

    await push({ 'clusters/prod.yaml': null, [to]: content }, `move prod to ${to}`);
    await waitFor('prod in error', () => status()?.status === 'error');

    expect(status()!.lastError).toContain(to);
    expect(vmIds()).toEqual(before);
    expect(allVms()).toHaveLength(2);

    // Moving it back: converged again, the same VMs.
    await push({ [to]: null, 'clusters/prod.yaml': PROD }, 'move prod back');
    await converged(w.co, 'cluster_prod', 2);
    expect(vmIds()).toEqual(before);
  });

  it.each([
    { field: 'provider', edit: (t: string) => t.replace('provider: digitalocean', 'provider: hetzner').replace('region: sfo3', 'region: fsn1'), message: 'provider changed from digitalocean to hetzner, region changed from sfo3 to fsn1' },
    { field: 'region', edit: (t: string) => t.replace('region: sfo3', 'region: nyc3'), message: 'region changed from sfo3 to nyc3' },
    { field: 'orchestrator', edit: (t: string) => t.replace('orchestrator: kubernetes', 'orchestrator: swarm'), message: 'orchestrator changed from kubernetes to swarm' },
  ])('changing $field in Git: the cluster is error, no VM anywhere else, the old ones untouched', async ({ edit, message }) => {
    const before = await convergedProd();

    await push({ 'clusters/prod.yaml': edit(PROD) }, 'change an immutable field');
    await waitFor('prod in error', () => status()?.status === 'error');

    expect(status()!.lastError).toContain(`${message}: provider, region, orchestrator and organizationId cannot change`);
    expect(vmIds()).toEqual(before);
    expect(allVms()).toHaveLength(2);
    expect(w.co.store.cluster('cluster_prod')).toMatchObject({ provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes' });
  });

  const api = (who: keyof ApiWorld['tokens'], method: string, procedure: string, o: { query?: Record<string, string>; body?: unknown } = {}) =>
    call(w.co.url, method, `/api/${procedure}`, { token: w.tokens[who], ...o });
  const otherSees = async () => ((await api('eve', 'GET', 'cluster.all', { query: { organizationId: 'org_other' } })).json.result.data as { id: string }[]).map((c) => c.id);

  it('organizationId changed in Git alone: error, the target org sees nothing; its admin cannot take it', async () => {
    const before = await convergedProd();

    await push({ 'clusters/prod.yaml': PROD.replace('organizationId: org_abc123', 'organizationId: org_other') }, 'move prod to org_other');
    await waitFor('prod in error', () => status()?.status === 'error');

    expect(status()!.lastError).toContain('organizationId changed from org_abc123 to org_other');
    expect(await otherSees()).toEqual([]);
    expect((await api('eve', 'GET', 'cluster.one', { query: { clusterId: 'cluster_prod' } })).status).toBe(404);
    expect((await api('alice', 'GET', 'cluster.one', { query: { clusterId: 'cluster_prod' } })).json.result.data.status).toBe('error');
    expect(w.co.store.cluster('cluster_prod')!.organizationId).toBe('org_abc123');
    expect(vmIds()).toEqual(before);

    // The source org's admin approves the move already in Git: accepted without a new commit.
    const head = commits(w.repo)[0]!.hash;
    const res = await api('alice', 'POST', 'cluster.transfer', { body: { clusterId: 'cluster_prod', organizationId: 'org_other' } });
    expect(res.status).toBe(200);
    expect(commits(w.repo)[0]!.hash).toBe(head);
    await waitFor('moved to org_other', () => w.co.store.cluster('cluster_prod')?.organizationId === 'org_other' && status()?.status === 'running');
    expect(await otherSees()).toEqual(['cluster_prod']);
    expect(w.co.store.cluster('cluster_prod')!.transfer).toBeUndefined();
    expect(vmIds()).toEqual(before);
  });

  it('cluster.transfer by the source org admin moves the cluster (committed as them); a member or another org’s admin gets 403/404 and nothing is committed', async () => {
    const before = await convergedProd();
    const head = commits(w.repo)[0]!.hash;
    const body = { clusterId: 'cluster_prod', organizationId: 'org_other' };

    // bob: a member of org_abc123 (with manage on prod); eve: org_other's admin.
    await push({ 'clusters/prod.yaml': `${PROD}access:\n  - userId: user_bob\n    permission: manage\n` }, 'bob manages prod');
    const granted = commits(w.repo)[0]!.hash;
    expect((await api('bob', 'POST', 'cluster.transfer', { body })).status).toBe(403);
    expect((await api('carol', 'POST', 'cluster.transfer', { body })).status).toBe(404);
    expect((await api('eve', 'POST', 'cluster.transfer', { body })).status).toBe(404);
    expect((await api('alice', 'POST', 'cluster.transfer', { body: { ...body, organizationId: 'org_nowhere' } })).status).toBe(404);
    expect((await api('alice', 'POST', 'cluster.transfer', { body: { ...body, organizationId: 'org_abc123' } })).status).toBe(422);
    expect(commits(w.repo)[0]!.hash).toBe(granted);
    expect(head).not.toBe(granted);
    expect(w.co.store.cluster('cluster_prod')!.transfer).toBeUndefined();

    const res = await api('alice', 'POST', 'cluster.transfer', { body });
    expect(res.status).toBe(200);
    expect(res.json.result.data).toEqual(body);
    const commit = commits(w.repo)[0]!;
    expect([commit.author, commit.subject]).toEqual(['user_alice', 'cluster.transfer: prod from org_abc123 to org_other']);
    expect(w.repo.show('clusters/prod.yaml')).toContain('organizationId: org_other');
    expect(w.repo.show('clusters/prod.yaml')).not.toContain('user_bob');
    await waitFor('moved to org_other', () => w.co.store.cluster('cluster_prod')?.organizationId === 'org_other');
    await converged(w.co, 'cluster_prod', 2);
    expect(await otherSees()).toEqual(['cluster_prod']);
    expect((await api('alice', 'GET', 'cluster.one', { query: { clusterId: 'cluster_prod' } })).status).toBe(404);
    expect(vmIds()).toEqual(before);
  });
});
