import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converged, group, manifest, startApiWorld, waitFor, type ApiWorld } from '../api/api-harness.js';

const web = (id: string) => manifest('web', { id, groups: group('manager', 'small', 1) });
const keep = (name: string) => manifest(name, { id: `cluster_${name}`, groups: group('manager', 'small', 1) });

// A name reused while the cluster that had it is still being deleted: the live manifest's
// cluster owns status/<name>.yaml; the deleting one neither overwrites nor removes it.
describe('status files: a reused name belongs to the live manifest, not to the cluster being deleted', () => {
  let w: ApiWorld;
  beforeAll(async () => {
    // Slow deletions keep the old cluster deleting while the new one comes up.
    w = await startApiWorld({ files: { 'clusters/web.yaml': web('cluster_oldweb'), 'clusters/keep1.yaml': keep('keep1'), 'clusters/keep2.yaml': keep('keep2') }, deleteMs: 5_000 });
    await converged(w.co, 'cluster_oldweb', 1);
    await w.co.statusWriter!.flush();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('every version of status/web.yaml after the reuse is the new cluster, also once the old one is gone', async () => {
    w.repo.push({ 'clusters/web.yaml': null }, 'drop web');
    await w.co.daemon.pollNow();
    await waitFor('the old web is deleting', () => w.co.store.cluster('cluster_oldweb')?.status?.status === 'deleting');
    w.repo.push({ 'clusters/web.yaml': web('cluster_newweb') }, 'web again, a new cluster');
    const reusedAt = w.repo.git(w.repo.work, 'rev-parse', 'HEAD').trim();
    await w.co.daemon.pollNow();
    await converged(w.co, 'cluster_newweb', 1);
    await waitFor('the old web is gone', () => w.co.store.cluster('cluster_oldweb') === undefined, 30_000);
    await w.co.statusWriter!.flush();

    const git = (...args: string[]) => w.repo.git(w.repo.root, '--git-dir', w.repo.remote, ...args);
    // Oldest first. Before the daemon took the reuse in, the old cluster rightly wrote the file.
    const versions = git('log', '--reverse', '--format=%H', `${reusedAt}..main`, '--', 'status/web.yaml').trim().split('\n').filter(Boolean);
    const ids = versions.map((sha) => {
      try {
        return (parse(git('show', `${sha}:status/web.yaml`)) as { id: string }).id;
      } catch {
        return '(removed)';
      }
    });
    console.log(`[status-name-reuse] versions of status/web.yaml after the reuse, oldest first: ${ids.join(', ')}`);
    const taken = ids.indexOf('cluster_newweb');
    expect(taken).toBeGreaterThanOrEqual(0);
    // Once the new cluster has the file, nothing else ever writes or removes it.
    expect(new Set(ids.slice(taken))).toEqual(new Set(['cluster_newweb']));
    expect(parse(w.repo.show('status/web.yaml') ?? 'null')).toMatchObject({ id: 'cluster_newweb', status: 'running' });
  });
});
