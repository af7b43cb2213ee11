import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../api/api-harness.js';
import { alpha, bravo, REPO, startGitHubWorld, type GitHubWorld } from './github-world.js';

/**
 * Issue 14 item 9(c): the dashboard's pull-request view decides who sees a cluster's plan by the
 * organization the cluster has now (the branch's manifest, or the record of one being deleted),
 * never by what the pull request's head claims; only a cluster new in the pull request goes by its
 * head's organization.
 */
describe('dashboard: pull-request plans are shown by the existing cluster’s organization', () => {
  let world: GitHubWorld;
  const pulls = async (token: string) => (await call(world.w.co.url, 'GET', '/ui/api/pulls', { token })).json;
  const numbers = (view: { pulls: { number: number }[] }) => view.pulls.map((p) => p.number);

  beforeAll(async () => {
    world = await startGitHubWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it("a head that claims org_other for org_abc123's cluster shows nothing of it to org_other's admin", async () => {
    const { w, gh } = world;
    const forged = alpha(3).replace('organizationId: org_abc123', 'organizationId: org_other');
    world.branch('steal-alpha', { 'clusters/alpha.yaml': forged });
    const pr = await gh.openPullRequest({ repo: REPO, head: 'steal-alpha', title: 'alpha: more workers' });
    await w.co.prWatcher!.pollOnce();
    const eve = await pulls(w.tokens.eve);
    expect(numbers(eve)).not.toContain(pr.number);
    expect(JSON.stringify(eve)).not.toContain('cluster_alpha');
    // alpha's own organization does see it.
    const alice = await pulls(w.tokens.alice);
    expect(numbers(alice)).toContain(pr.number);
    expect(alice.pulls.find((p: { number: number }) => p.number === pr.number).clusters.map((c: { clusterId: string }) => c.clusterId)).toEqual(['cluster_alpha']);
  });

  it("a head that drops alpha's id and claims org_other is alpha's immutable-field error, shown to org_abc123 only: no node, size or cost of alpha reaches org_other", async () => {
    const { w, gh } = world;
    const forged = alpha(3).replace('organizationId: org_abc123', 'organizationId: org_other').replace(/^id: .*\n/m, '');
    world.branch('rename-alpha', { 'clusters/alpha.yaml': forged });
    const pr = await gh.openPullRequest({ repo: REPO, head: 'rename-alpha', title: 'alpha without id' });
    await w.co.prWatcher!.pollOnce();
    const eve = await pulls(w.tokens.eve);
    const view = eve.pulls.find((p: { number: number }) => p.number === pr.number);
    // The removed id is alpha's (restored, as the daemon would), so the head is alpha changing its
    // organization: an error planned under the record's organization, none of it shown to eve.
    expect(view?.clusters ?? []).toHaveLength(0);
    for (const c of view?.clusters ?? []) {
      expect(c.managersBefore).toBe(0);
      expect(c.cost.before.amount).toBe(0);
      expect(c.actions.filter((a: { action: string }) => a.action !== 'create' && a.action !== 'init')).toEqual([]);
    }
    const ips = (w.co.store.cluster('cluster_alpha')?.status?.nodes ?? []).map((n) => n.ip).filter(Boolean);
    expect(ips.length).toBeGreaterThan(0);
    for (const leak of ['cluster_alpha', ...ips]) expect(JSON.stringify(eve)).not.toContain(leak);
  });

  it('a pull request changing both organizations’ clusters shows each admin only their own plan, and no status text naming the other', async () => {
    const { w, gh } = world;
    world.branch('both', { 'clusters/alpha.yaml': alpha(2), 'clusters/bravo.yaml': bravo(3) });
    const pr = await gh.openPullRequest({ repo: REPO, head: 'both', title: 'both' });
    await w.co.prWatcher!.pollOnce();
    const eve = (await pulls(w.tokens.eve)).pulls.find((p: { number: number }) => p.number === pr.number);
    expect(eve.clusters.map((c: { clusterName: string }) => c.clusterName)).toEqual(['bravo']);
    expect(JSON.stringify(eve)).not.toMatch(/alpha/);
    expect(eve.plan.description).toMatch(/bravo/);
    const alice = (await pulls(w.tokens.alice)).pulls.find((p: { number: number }) => p.number === pr.number);
    expect(alice.clusters.map((c: { clusterName: string }) => c.clusterName)).toEqual(['alpha']);
    expect(JSON.stringify(alice)).not.toMatch(/bravo/);
  });
});
