import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { call, converged, group, manifest, manifestCommits, startApiWorld, waitFor, type ApiWorld, type Reply } from '../integration/api/api-harness.js';
import { report, SIZES } from './sizes.js';

/**
 * Concurrent writers (issue 10, suite 3): WRITES API writes sent at once by four users of two
 * organizations — creates (some racing for the same name), addNodes on shared clusters,
 * removeNodes of distinct nodes, and writes that must be refused — while a person pushes to the
 * same branch. Then Git is read back: every accepted write is there exactly once (its effect in
 * the files, one commit authored by its caller), every refused one left no trace, and every
 * human commit survived.
 */

const WRITES = SIZES.writes;
/** removeNode targets: one distinct worker of `pool` each. */
const REMOVES = Math.ceil(WRITES / 10);
const POOL_WORKERS = REMOVES + 2;
const HUMAN_PUSHES = WRITES >= 200 ? 5 : 3;

const SHARED = `${manifest('shared', { id: 'cluster_shared', provider: 'hetzner', region: 'fsn1', groups: [group('manager', 'nano', 1), group('worker', 'nano', 1)].join('\n') })}access:\n  - userId: user_bob\n    permission: manage\n`;
const POOL = manifest('pool', { id: 'cluster_pool', provider: 'aws', region: 'us-east-1', groups: [group('manager', 'nano', 1), group('worker', 'nano', POOL_WORKERS)].join('\n') });
const OTHER = manifest('other', { id: 'cluster_other', region: 'fra1', groups: group('manager', 'nano', 1) }).replace('organizationId: org_abc123', 'organizationId: org_other');

type Who = 'alice' | 'bob' | 'carol' | 'eve';
type Kind = 'create' | 'create-race' | 'addNode-shared' | 'addNode-other' | 'removeNode' | 'refused';
interface Write {
  who: Who;
  kind: Kind;
  method: string;
  procedure: string;
  body: Record<string, unknown>;
}

const createBody = (org: string, name: string, provider: string, region: string) => ({ organizationId: org, name, provider, region, orchestrator: 'kubernetes', nodes: [{ role: 'manager', plan: 'nano', count: 1 }] });

/** The mix: by i % 10 — 0–2 create, 3 two users racing for one name, 4–5 addNode shared, 6 addNode in org_other, 7 removeNode, 8–9 writes that must be refused. */
function writes(): Write[] {
  const out: Write[] = [];
  const providers: [string, string][] = [
    ['digitalocean', 'fra1'],
    ['hetzner', 'nbg1'],
    ['aws', 'eu-west-1'],
  ];
  let removed = 0;
  for (let i = 0; i < WRITES; i++) {
    const [provider, region] = providers[i % 3]!;
    const slot = i % 10;
    if (slot <= 2) {
      const who: Who = (['alice', 'carol', 'eve'] as const)[i % 3]!;
      out.push({ who, kind: 'create', method: 'POST', procedure: 'cluster.create', body: createBody(who === 'eve' ? 'org_other' : 'org_abc123', `w-${i}`, provider, region) });
    } else if (slot === 3) {
      // Alice and Carol want the same new name: exactly one may win, the other gets 409.
      const name = `race-${i}`;
      out.push({ who: i % 2 ? 'alice' : 'carol', kind: 'create-race', method: 'POST', procedure: 'cluster.create', body: createBody('org_abc123', name, provider, region) });
      out.push({ who: i % 2 ? 'carol' : 'alice', kind: 'create-race', method: 'POST', procedure: 'cluster.create', body: createBody('org_abc123', name, provider, region) });
      i += 1; // the pair counts as two writes
    } else if (slot <= 5) {
      out.push({ who: i % 2 ? 'bob' : 'alice', kind: 'addNode-shared', method: 'POST', procedure: 'cluster.addNode', body: { clusterId: 'cluster_shared', role: 'worker', plan: 'nano' } });
    } else if (slot === 6) {
      out.push({ who: 'eve', kind: 'addNode-other', method: 'POST', procedure: 'cluster.addNode', body: { clusterId: 'cluster_other', role: 'worker', plan: 'micro' } });
    } else if (slot === 7 && removed < REMOVES) {
      removed += 1;
      out.push({ who: 'alice', kind: 'removeNode', method: 'DELETE', procedure: 'cluster.removeNode', body: { clusterId: 'cluster_pool', nodeId: `node_${String(removed + 1).padStart(3, '0')}` } });
    } else {
      // Must be refused: bob has no grant on pool (404), the last manager (422), a plan the region does not sell (400).
      const refused: Write[] = [
        { who: 'bob', kind: 'refused', method: 'POST', procedure: 'cluster.addNode', body: { clusterId: 'cluster_pool', role: 'worker', plan: 'nano' } },
        { who: 'alice', kind: 'refused', method: 'DELETE', procedure: 'cluster.removeNode', body: { clusterId: 'cluster_pool', nodeId: 'node_001' } },
        { who: 'carol', kind: 'refused', method: 'POST', procedure: 'cluster.create', body: { ...createBody('org_abc123', `bad-${i}`, 'hetzner', 'sin'), nodes: [{ role: 'manager', plan: 'power', count: 1 }] } },
      ];
      out.push(refused[i % 3]!);
    }
  }
  return out.slice(0, WRITES);
}

describe(`concurrent writers: ${WRITES} API writes from four users and ${HUMAN_PUSHES} human pushes on one branch`, () => {
  let w: ApiWorld;
  beforeAll(async () => {
    // Status commits stay on: they race for the branch too.
    w = await startApiWorld({ files: { 'clusters/shared.yaml': SHARED, 'clusters/pool.yaml': POOL, 'clusters/other.yaml': OTHER }, bootMs: 5, deleteMs: 5, listingLagMs: 1_000 });
    await converged(w.co, 'cluster_pool', 1 + POOL_WORKERS);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('every accepted write is in Git exactly once, every refused one left nothing, no human commit lost', async () => {
    const started = Date.now();
    const batch = writes();
    const tokenOf: Record<Who, string> = { alice: w.tokens.alice, bob: w.tokens.bob, carol: w.tokens.carol, eve: w.tokens.eve };
    let done = false;
    const replies = Promise.all(batch.map((x) => call(w.co.url, x.method, `/api/${x.procedure}`, { token: tokenOf[x.who], body: x.body }))).finally(() => {
      done = true;
    });
    const humanCommits: string[] = [];
    const human = (async () => {
      // From the first API commit on, so the pushes land among the API's.
      await waitFor('the first API commit', () => manifestCommits(w.repo).some((c) => c.author.startsWith('user_')), 60_000);
      for (let n = 1; n <= HUMAN_PUSHES && !done; n++) {
        if (n > 1) await sleep(300);
        const files: Record<string, string> = { [`notes/${n}.md`]: `note ${n}\n` };
        if (n === 1) files['clusters/by-hand.yaml'] = manifest('by-hand', { id: 'cluster_byhand', groups: group('manager', 'nano', 1) });
        w.repo.push(files, `human push ${n}`);
        humanCommits.push(`human push ${n}`);
      }
    })();
    const results: Reply[] = await replies;
    await human;
    const seconds = (Date.now() - started) / 1000;

    const accepted = batch.map((x, i) => ({ ...x, reply: results[i]! })).filter((x) => x.reply.status < 300);
    const refused = batch.map((x, i) => ({ ...x, reply: results[i]! })).filter((x) => x.reply.status >= 300);
    const reasons: Record<string, number> = {};
    for (const r of refused) reasons[`${r.reply.status} ${r.reply.json?.error?.code ?? r.reply.text.slice(0, 60)}`] = (reasons[`${r.reply.status} ${r.reply.json?.error?.code ?? r.reply.text.slice(0, 60)}`] ?? 0) + 1;

    // What Git holds, against what was accepted.
    const lost: string[] = [];
    const duplicated: string[] = [];
    const nodesOf = (name: string) => (parse(w.repo.show(`clusters/${name}.yaml`) ?? 'nodes: []') as { nodes: { role: string; plan: string; count: number; remove?: string[] }[] }).nodes;
    for (const x of accepted.filter((a) => a.kind === 'create' || a.kind === 'create-race')) {
      const { id, name } = x.reply.json.result.data as { id: string; name: string };
      const file = w.repo.show(`clusters/${name}.yaml`);
      const m = file === undefined ? undefined : (parse(file) as { id: string; organizationId: string });
      if (m?.id !== id || m.organizationId !== x.body.organizationId) lost.push(`create ${name} (${id}) by ${x.who}: Git has ${file === undefined ? 'no file' : `${m?.id} in ${m?.organizationId}`}`);
    }
    const races = new Map<string, number>();
    for (const x of accepted.filter((a) => a.kind === 'create-race')) races.set(String(x.body.name), (races.get(String(x.body.name)) ?? 0) + 1);
    for (const [name, n] of races) if (n > 1) duplicated.push(`${name} accepted ${n} times`);
    for (const x of refused.filter((r) => r.kind === 'create' || r.kind === 'refused')) {
      if (x.procedure === 'cluster.create' && w.repo.show(`clusters/${String(x.body.name)}.yaml`) !== undefined) duplicated.push(`refused create ${String(x.body.name)} is in Git`);
    }
    const adds = (kind: Kind) => accepted.filter((a) => a.kind === kind).length;
    const sharedWorkers = nodesOf('shared').find((g) => g.role === 'worker')?.count ?? 0;
    if (sharedWorkers !== 1 + adds('addNode-shared')) (sharedWorkers < 1 + adds('addNode-shared') ? lost : duplicated).push(`shared has ${sharedWorkers} workers, 1 + ${adds('addNode-shared')} accepted addNodes`);
    const otherWorkers = nodesOf('other').find((g) => g.role === 'worker')?.count ?? 0;
    if (otherWorkers !== adds('addNode-other')) (otherWorkers < adds('addNode-other') ? lost : duplicated).push(`other has ${otherWorkers} workers, ${adds('addNode-other')} accepted addNodes`);
    const pool = nodesOf('pool').find((g) => g.role === 'worker');
    const removedIds = accepted.filter((a) => a.kind === 'removeNode').map((a) => String(a.body.nodeId));
    if (pool?.count !== POOL_WORKERS - removedIds.length) lost.push(`pool has ${pool?.count} workers, ${POOL_WORKERS} - ${removedIds.length} accepted removeNodes`);
    for (const id of removedIds) if (!pool?.remove?.includes(id)) lost.push(`removeNode ${id}: not under remove:`);
    if ((pool?.remove ?? []).length !== removedIds.length) duplicated.push(`pool remove: ${JSON.stringify(pool?.remove)}`);
    // One commit per accepted write, authored by its caller; none for a refused one.
    const history = manifestCommits(w.repo);
    for (const who of ['alice', 'bob', 'carol', 'eve'] as const) {
      const made = history.filter((c) => c.author === `user_${who}`).length;
      const want = accepted.filter((a) => a.who === who).length;
      if (made !== want) (made < want ? lost : duplicated).push(`${who}: ${made} commits for ${want} accepted writes`);
    }
    const humanInGit = history.filter((c) => c.author === 'Human').map((c) => c.subject);
    for (const s of humanCommits) if (!humanInGit.includes(s)) lost.push(`human commit "${s}"`);
    if (w.repo.show('clusters/by-hand.yaml') === undefined && humanCommits.length > 0) lost.push('human file clusters/by-hand.yaml');

    report('concurrent writers', {
      writes: batch.length,
      accepted: accepted.length,
      rejected: refused.length,
      'rejected by reason': reasons,
      'human pushes': humanCommits.length,
      lost: lost.length,
      duplicated: duplicated.length,
      seconds: Math.round(seconds),
      ...(lost.length || duplicated.length ? { details: [...lost, ...duplicated] } : {}),
    });
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    // Refusals are the expected ones only (a write refused for a server-side reason would be a loss).
    expect(Object.keys(reasons).filter((k) => !['400 BAD_REQUEST', '404 NOT_FOUND', '409 CONFLICT', '422 UNPROCESSABLE_CONTENT'].includes(k))).toEqual([]);
    expect(refused.every((r) => r.kind === 'refused' || r.kind === 'create-race')).toBe(true);
    expect(refused.filter((r) => r.kind === 'create-race')).toHaveLength(accepted.filter((a) => a.kind === 'create-race').length);
    expect(humanCommits.length).toBeGreaterThan(0);
    // The person's pushes really landed among the API's commits (so the API lost races to them).
    const authors = history.map((c) => c.author);
    const firstApi = authors.findIndex((a) => a.startsWith('user_'));
    const lastApi = authors.findLastIndex((a) => a.startsWith('user_'));
    expect(authors.slice(firstApi, lastApi).includes('Human')).toBe(true);
  });
});
