import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, commits, converged, group, manifest, startApiWorld, type ApiWorld, type CallOptions, type Reply } from '../integration/api/api-harness.js';
import { report } from './sizes.js';
import { alpha, REPO, startGitHubWorld, type GitHubWorld } from '../integration/dashboard/github-world.js';

/**
 * Isolation (issue 10, suite 5): every procedure, called by every user — admins and members of
 * two organizations, with read grants, manage grants and none — against every cluster, over real
 * HTTP. An oracle derived from the rules (DESIGN §6, README "Users, organizations, tokens") says
 * what each caller may see and do; a leak is any answer that gives more: a cluster the caller may
 * not see answered with anything but the 404 a made-up id gets, a write by a read-only caller not
 * refused with 403, a list or body naming a cluster the caller may not see, or any commit.
 */

interface Cluster {
  id: string;
  name: string;
  org: 'org_abc123' | 'org_other';
  grants: Record<string, 'read' | 'manage'>;
}
const CLUSTERS: Cluster[] = [
  { id: 'cluster_alpha', name: 'alpha', org: 'org_abc123', grants: { user_bob: 'read', user_carol: 'manage' } },
  { id: 'cluster_gamma', name: 'gamma', org: 'org_abc123', grants: {} },
  // A grant to a user of another organization must count for nothing.
  { id: 'cluster_bravo', name: 'bravo', org: 'org_other', grants: { user_bob: 'manage', user_mallory: 'read' } },
  { id: 'cluster_delta', name: 'delta', org: 'org_other', grants: {} },
];
const USERS: Record<string, { org: string; role: 'admin' | 'member' }> = {
  user_alice: { org: 'org_abc123', role: 'admin' },
  user_bob: { org: 'org_abc123', role: 'member' },
  user_carol: { org: 'org_abc123', role: 'member' },
  user_eve: { org: 'org_other', role: 'admin' },
  user_mallory: { org: 'org_other', role: 'member' },
};

function manifestOf(c: Cluster): string {
  const base = manifest(c.name, { id: c.id, groups: [group('manager', 'small', 1), group('worker', 'small', 1)].join('\n') }).replace('organizationId: org_abc123', `organizationId: ${c.org}`);
  const grants = Object.entries(c.grants);
  return grants.length === 0 ? base : `${base}access:\n${grants.map(([u, p]) => `  - userId: ${u}\n    permission: ${p}\n`).join('')}`;
}

const sameOrg = (user: string, c: Cluster) => USERS[user]!.org === c.org;
const canSee = (user: string, c: Cluster) => sameOrg(user, c) && (USERS[user]!.role === 'admin' || c.grants[user] !== undefined);
const canWrite = (user: string, c: Cluster) => sameOrg(user, c) && (USERS[user]!.role === 'admin' || c.grants[user] === 'manage');

/** Every procedure naming a cluster; a write's body names a real node / grant so that a success would change something. */
function requests(c: Cluster): { procedure: string; method: string; write: boolean; o: CallOptions }[] {
  const clusterId = c.id;
  const granted = Object.keys(c.grants)[0] ?? 'user_alice';
  return [
    { procedure: 'cluster.one', method: 'GET', write: false, o: { query: { clusterId } } },
    { procedure: 'cluster.nodes', method: 'GET', write: false, o: { query: { clusterId } } },
    { procedure: 'cluster.listAccess', method: 'GET', write: false, o: { query: { clusterId } } },
    { procedure: 'cluster.update', method: 'PATCH', write: true, o: { body: { clusterId, name: `${c.name}-taken` } } },
    { procedure: 'cluster.remove', method: 'DELETE', write: true, o: { body: { clusterId } } },
    { procedure: 'cluster.addNode', method: 'POST', write: true, o: { body: { clusterId, role: 'worker', plan: 'small' } } },
    { procedure: 'cluster.removeNode', method: 'DELETE', write: true, o: { body: { clusterId, nodeId: 'node_002' } } },
    { procedure: 'cluster.grantAccess', method: 'POST', write: true, o: { body: { clusterId, userId: 'user_carol', permission: 'manage' } } },
    { procedure: 'cluster.revokeAccess', method: 'DELETE', write: true, o: { body: { clusterId, userId: granted } } },
    // Org admins only; a member who may see the cluster (even with manage) gets 403, as a read-only caller does.
    { procedure: 'cluster.confirmDeletion', method: 'POST', write: true, o: { body: { clusterId, revision: 'abcdef0' } } },
  ];
}

describe('isolation: every procedure × every user × every cluster', () => {
  let w: ApiWorld;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    w = await startApiWorld({ files: Object.fromEntries(CLUSTERS.map((c) => [`clusters/${c.name}.yaml`, manifestOf(c)])), config: { statusCommits: false } });
    await Promise.all(CLUSTERS.map((c) => converged(w.co, c.id, 2)));
    tokens.user_alice = w.tokens.alice;
    tokens.user_bob = w.tokens.bob;
    tokens.user_carol = w.tokens.carol;
    tokens.user_eve = w.tokens.eve;
    await w.co.accounts.addUser('user_mallory', { organizationId: 'org_other', role: 'member' });
    tokens.user_mallory = (await w.co.accounts.createToken('user_mallory', 'isolation suite')).token;
  });
  afterAll(async () => {
    await w?.close();
  });

  it('zero leaks', async () => {
    const before = commits(w.repo);
    const files = Object.fromEntries(CLUSTERS.map((c) => [c.name, w.repo.show(`clusters/${c.name}.yaml`)]));
    const leaks: string[] = [];
    let calls = 0;
    let notFound = 0;
    let forbidden = 0;
    let allowedReads = 0;
    const send = async (user: string, method: string, procedure: string, o: CallOptions): Promise<Reply> => {
      calls += 1;
      return call(w.co.url, method, `/api/${procedure}`, { token: tokens[user]!, ...o });
    };
    /** Names of clusters this user may not see must never appear in what it is told. */
    const mentionsHidden = (user: string, text: string) => CLUSTERS.filter((c) => !canSee(user, c) && (text.includes(c.id) || text.includes(`"${c.name}"`))).map((c) => c.id);

    for (const user of Object.keys(USERS)) {
      for (const c of CLUSTERS) {
        for (const r of requests(c)) {
          const where = `${user} ${r.procedure} ${c.id}`;
          if (r.write && canWrite(user, c)) continue; // allowed writes are not isolation; they would also change the world under test
          const res = await send(user, r.method, r.procedure, r.o);
          const hidden = mentionsHidden(user, res.text);
          if (hidden.length > 0) leaks.push(`${where}: answer names ${hidden.join(', ')}`);
          if (!canSee(user, c)) {
            const ghost = await send(user, r.method, r.procedure, JSON.parse(JSON.stringify(r.o).replaceAll(c.id, 'cluster_ghost')) as CallOptions);
            if (res.status !== 404 || res.json?.error?.code !== 'NOT_FOUND') leaks.push(`${where}: ${res.status} ${res.text.slice(0, 200)} (expected 404)`);
            else if (JSON.stringify(res.json) !== JSON.stringify(ghost.json) || ghost.status !== 404) leaks.push(`${where}: answer differs from a made-up id's (${res.text} vs ${ghost.text})`);
            else notFound += 1;
          } else if (r.write) {
            if (res.status !== 403 || res.json?.error?.code !== 'FORBIDDEN') leaks.push(`${where}: ${res.status} ${res.text.slice(0, 200)} (read-only: expected 403)`);
            else forbidden += 1;
          } else if (res.status !== 200) leaks.push(`${where}: ${res.status} ${res.text.slice(0, 200)} (a visible cluster's read should answer 200)`);
          else allowedReads += 1;
        }
      }
      // Lists: exactly the visible clusters; another organization by name is a 404; creating there too.
      const all = await send(user, 'GET', 'cluster.all', {});
      const listed = ((all.json?.result?.data ?? []) as { id: string }[]).map((x) => x.id).sort();
      const visible = CLUSTERS.filter((c) => canSee(user, c)).map((c) => c.id).sort();
      if (JSON.stringify(listed) !== JSON.stringify(visible)) leaks.push(`${user} cluster.all: ${JSON.stringify(listed)}, may see ${JSON.stringify(visible)}`);
      const otherOrg = USERS[user]!.org === 'org_abc123' ? 'org_other' : 'org_abc123';
      const foreignList = await send(user, 'GET', 'cluster.all', { query: { organizationId: otherOrg } });
      if (foreignList.status !== 404) leaks.push(`${user} cluster.all?organizationId=${otherOrg}: ${foreignList.status} ${foreignList.text.slice(0, 200)}`);
      const foreignCreate = await send(user, 'POST', 'cluster.create', { body: { organizationId: otherOrg, name: 'intruder', provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', nodes: [{ role: 'manager', plan: 'small', count: 1 }] } });
      if (foreignCreate.status !== 404) leaks.push(`${user} cluster.create in ${otherOrg}: ${foreignCreate.status} ${foreignCreate.text.slice(0, 200)}`);
    }
    const after = commits(w.repo);
    if (after.length !== before.length) leaks.push(`${after.length - before.length} commits made: ${after.slice(0, after.length - before.length).map((c) => c.subject).join('; ')}`);
    for (const c of CLUSTERS) if (w.repo.show(`clusters/${c.name}.yaml`) !== files[c.name]) leaks.push(`clusters/${c.name}.yaml changed`);

    report('isolation', { users: Object.keys(USERS).length, clusters: CLUSTERS.length, calls, '404 as for a made-up id': notFound, '403 read-only writes': forbidden, 'allowed reads': allowedReads, leaks: leaks.length, ...(leaks.length ? { details: leaks } : {}) });
    expect(leaks).toEqual([]);
    expect(notFound).toBeGreaterThan(0);
    expect(forbidden).toBeGreaterThan(0);
  });
});

/**
 * Cross-organization leaks (issue 14 item 9), a block of its own: no answer, metric or
 * pull-request view tells one organization anything about another's clusters — not whether a
 * name is in use (create/rename answer alike for taken-elsewhere and free names), not a cluster
 * id in /metrics, not a plan of its cluster through a pull request whose head claims the reader's
 * organization.
 */
describe('isolation: cross-organization oracles (names, metrics, pull-request plans)', () => {
  let world: GitHubWorld;
  const leaks: string[] = [];
  const api = (token: string, method: string, procedure: string, o: CallOptions = {}) => call(world.w.co.url, method, `/api/${procedure}`, { token, ...o });
  const create = (token: string, organizationId: string, name: string) =>
    api(token, 'POST', 'cluster.create', { body: { organizationId, name, provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', nodes: [{ role: 'manager', plan: 'small', count: 1 }] } });
  const shape = (r: Reply) => JSON.stringify({ status: r.status, keys: Object.keys(r.json?.result?.data ?? r.json?.error ?? {}), code: r.json?.error?.code ?? null });

  beforeAll(async () => {
    // alpha belongs to org_abc123 (alice), bravo to org_other (eve); the GitHub integration is on.
    world = await startGitHubWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('metrics: no series names a cluster, a cluster id or an organization', async () => {
    const text = (await call(world.w.co.url, 'GET', '/metrics')).text;
    const named = text.split('\n').filter((l) => !l.startsWith('#') && /[{,](cluster|organization|org|name)="|cluster_[a-z0-9]+|org_[a-z0-9]+/.test(l));
    report('isolation: metrics', { series: text.split('\n').filter((l) => l && !l.startsWith('#')).length, naming: named.length });
    expect(named).toEqual([]);
  });

  it("pull requests: a head claiming org_other for org_abc123's cluster shows org_other nothing of it", async () => {
    const { w, gh } = world;
    world.branch('claim-alpha', { 'clusters/alpha.yaml': alpha(4).replace('organizationId: org_abc123', 'organizationId: org_other') });
    const pr = await gh.openPullRequest({ repo: REPO, head: 'claim-alpha', title: 'alpha: four workers' });
    await w.co.prWatcher!.pollOnce();
    const eve = (await call(w.co.url, 'GET', '/ui/api/pulls', { token: w.tokens.eve })).json;
    const alice = (await call(w.co.url, 'GET', '/ui/api/pulls', { token: w.tokens.alice })).json;
    const seen = (view: { pulls: { number: number }[] }) => view.pulls.some((p) => p.number === pr.number);
    report('isolation: pull-request plans', { 'shown to org_other': seen(eve), 'shown to org_abc123': seen(alice) });
    expect(seen(eve)).toBe(false);
    expect(JSON.stringify(eve)).not.toContain('cluster_alpha');
    expect(seen(alice)).toBe(true);
  });

  // Last: the clusters it creates change which names are taken.
  it('names: a name another organization uses answers like a free one, the repository holds both, and only the own organization gets 409', async () => {
    const { w } = world;
    let probes = 0;
    for (const [token, org, taken] of [[w.tokens.eve, 'org_other', 'alpha'], [w.tokens.alice, 'org_abc123', 'bravo']] as const) {
      const onTaken = await create(token, org, taken);
      const onFree = await create(token, org, `free-${org.slice(4, 9).replace(/_/g, '')}`);
      probes += 2;
      if (shape(onTaken) !== shape(onFree)) leaks.push(`${org} create ${taken}: ${shape(onTaken)} differs from a free name's ${shape(onFree)}`);
      if (onTaken.status !== 201) leaks.push(`${org} create ${taken}: ${onTaken.status} ${onTaken.text.slice(0, 200)}`);
      const again = await create(token, org, taken);
      probes += 1;
      if (again.status !== 409) leaks.push(`${org} create ${taken} twice: ${again.status} (own organization: expected 409)`);
    }
    const files = clusterFilesAt(world);
    for (const f of ['clusters/alpha.yaml', 'clusters/alpha.org_other.yaml', 'clusters/bravo.yaml', 'clusters/bravo.org_abc123.yaml']) if (!files.includes(f)) leaks.push(`${f} missing: ${files.join(', ')}`);
    report('isolation: name oracle', { probes, leaks: leaks.length });
    expect(leaks).toEqual([]);
  });
});

function clusterFilesAt(world: GitHubWorld): string[] {
  const { repo } = world.w;
  return repo.git(repo.root, '--git-dir', repo.remote, 'ls-tree', '--name-only', 'main', 'clusters/').trim().split('\n').filter(Boolean);
}
