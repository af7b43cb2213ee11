import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { call, clusterFiles, group, manifest, manifestCommits, recordingLogger, startApiWorld, waitFor, type ApiWorld, type Reply } from './api-harness.js';

/**
 * 50 concurrent writes against one repository — cluster.create with distinct names and
 * cluster.addNode on one cluster — while a person pushes by hand (TestRepo.push, which rebases
 * when it loses). Every change must end up in Git, none lost, none doubled.
 */

const CREATES = 30;
const ADDS = 20;
const BUSY = manifest('busy', { id: 'cluster_busy', groups: [group('manager', 'nano', 1), group('worker', 'nano', 2)].join('\n') });

describe('concurrent API writes and a human push on one repository', () => {
  let w: ApiWorld;
  const log = recordingLogger();

  beforeAll(async () => {
    // Status commits stay on: they race too, as in production.
    w = await startApiWorld({ files: { 'clusters/busy.yaml': BUSY }, bootMs: 5, deleteMs: 5, log });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('ends with every create, every addNode and the human change in Git', { timeout: 120_000 }, async () => {
    const api = (method: string, procedure: string, body: unknown) => call(w.co.url, method, `/api/${procedure}`, { token: w.tokens.alice, body });
    const names = Array.from({ length: CREATES }, (_, i) => `load-${String(i).padStart(2, '0')}`);
    const requests: Promise<Reply>[] = [];
    for (let i = 0; i < CREATES + ADDS; i++) {
      // Interleaved: two of every five writes are addNodes (20), the rest creates (30).
      if (i % 5 === 1 || i % 5 === 3) requests.push(api('POST', 'cluster.addNode', { clusterId: 'cluster_busy', role: 'worker', plan: 'nano' }));
      else requests.push(api('POST', 'cluster.create', { organizationId: 'org_abc123', name: names.shift()!, provider: 'digitalocean', region: 'fra1', orchestrator: 'kubernetes', nodes: [{ role: 'manager', plan: 'nano', count: 1 }] }));
    }
    // A person pushes while the API's commits are in flight: a new cluster as soon as the first
    // API commit is in, then a few notes. Four pushes at most, so a batch of the API's can lose
    // at most four rounds to them (it gives up after five).
    let settled = false;
    const all = Promise.all(requests).finally(() => {
      settled = true;
    });
    const humanCommits: string[] = [];
    const notes: string[] = [];
    const human = (async () => {
      await waitFor('the first API commit', () => manifestCommits(w.repo).some((c) => c.author === 'user_alice'), 60_000);
      w.repo.push({ 'clusters/by-hand.yaml': manifest('by-hand', { id: 'cluster_byhand', groups: group('manager', 'nano', 1) }) }, 'add by-hand, written by a person');
      humanCommits.push('add by-hand, written by a person');
      while (!settled && notes.length < 3) {
        await sleep(100);
        notes.push(`note ${notes.length + 1}`);
        w.repo.push({ 'NOTES.md': `${notes.join('\n')}\n` }, `notes: ${notes.length}, by a person`);
        humanCommits.push(`notes: ${notes.length}, by a person`);
      }
    })();
    const replies = await all;
    await human;

    expect(requests).toHaveLength(CREATES + ADDS);
    const statuses = replies.map((r) => r.status);
    const creates = replies.filter((r) => r.status === 201);
    const adds = replies.filter((r) => r.status === 200);
    expect({ creates: creates.length, adds: adds.length, failures: replies.filter((r) => r.status >= 300).map((r) => r.text) }).toEqual({ creates: CREATES, adds: ADDS, failures: [] });
    expect(statuses.filter((s) => s === 201 || s === 200)).toHaveLength(50);

    // Every create is a file with its own id; ids are distinct.
    const files = clusterFiles(w.repo);
    const expectedNames = Array.from({ length: CREATES }, (_, i) => `load-${String(i).padStart(2, '0')}`);
    expect(files).toEqual([...expectedNames.map((n) => `clusters/${n}.yaml`), 'clusters/busy.yaml', 'clusters/by-hand.yaml'].sort());
    const ids = new Set<string>();
    for (const r of creates) {
      const { id, name } = r.json.result.data as { id: string; name: string };
      const m = parse(w.repo.show(`clusters/${name}.yaml`)!) as { id: string; name: string };
      expect(m).toMatchObject({ id, name });
      ids.add(id);
    }
    expect(ids.size).toBe(CREATES);

    // Every addNode counted: 2 + 20, none lost to a race.
    expect(parse(w.repo.show('clusters/busy.yaml')!).nodes).toEqual([
      { role: 'manager', plan: 'nano', count: 1 },
      { role: 'worker', plan: 'nano', count: 2 + ADDS },
    ]);
    // The human's changes are there.
    expect(w.repo.show('clusters/by-hand.yaml')).toContain('id: cluster_byhand');
    expect(w.repo.show('NOTES.md')).toBe(notes.length === 0 ? undefined : `${notes.join('\n')}\n`);

    // One commit per write, authored by the API user; the person's two commits too.
    const history = manifestCommits(w.repo);
    expect(history.filter((c) => c.author === 'user_alice' && c.subject.startsWith('cluster.create: load-'))).toHaveLength(CREATES);
    expect(history.filter((c) => c.author === 'user_alice' && c.subject === 'cluster.addNode: busy +1 worker (nano)')).toHaveLength(ADDS);
    expect(history.filter((c) => c.author === 'Human').map((c) => c.subject)).toEqual([...humanCommits].reverse().concat('initial clusters'));
    // The person's commits really landed in the middle of the API's (not all before or after) …
    const firstApi = history.findIndex((c) => c.author === 'user_alice');
    const lastApi = history.map((c) => c.author).lastIndexOf('user_alice');
    expect(history.slice(firstApi, lastApi).some((c) => c.author === 'Human')).toBe(true);
    // … and clusterops lost at least one push to them and redid its edits on the new head.
    expect(log.lines.filter((l) => l.message.startsWith('push lost a race')).length).toBeGreaterThan(0);
    // And the daemon takes it all in: the API lists every cluster.
    await w.co.daemon.pollNow();
    await waitFor('all clusters listed', async () => {
      const all = await call(w.co.url, 'GET', '/api/cluster.all', { token: w.tokens.alice });
      return (all.json.result.data as unknown[]).length === CREATES + 2;
    });
    const busy = await call(w.co.url, 'GET', '/api/cluster.one', { token: w.tokens.alice, query: { clusterId: 'cluster_busy' } });
    expect(busy.json.result.data.nodeCount).toBe(1 + 2 + ADDS);
  });
});
