import { afterEach, describe, expect, it } from 'vitest';
import { call, converged, group, manifest, startApiWorld, vmsOf, waitFor, type ApiWorld, type CallOptions, type StartOptions } from './api-harness.js';

/**
 * The mass-deletion guard (docs/design.md, docs/operations.md): a held deletion is confirmed only
 * by `cluster.confirmDeletion`, an authenticated act of an admin of the cluster's organization,
 * for the revision the hold names — never by a commit message — and the hold starts over when
 * the manifests come back.
 */

const MARKER = 'clusterops: confirm-deletion';

/** A one-manager cluster `name` (id `cluster_<name>`) of `org`. */
const one = (name: string, org = 'org_abc123') => manifest(name, { id: `cluster_${name}`, groups: group('manager', 'nano', 1) }).replace('organizationId: org_abc123', `organizationId: ${org}`);

describe('cluster.confirmDeletion: who may release a held mass deletion, and for which revision', () => {
  let w: ApiWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  const as = (who: keyof ApiWorld['tokens']) => (method: string, procedure: string, o: CallOptions = {}) => call(w!.co.url, method, `/api/${procedure}`, { token: w!.tokens[who], ...o });
  /** VMs of the cluster that are up (DigitalOcean's word: `active`; `off` while being destroyed). */
  const running = (id: string) => vmsOf(w!.sim, id).filter((v) => v.status === 'active').length;
  const heldMessage = (id: string) => (w!.co.store.cluster(id)?.status?.conditions.find((c) => c.type === 'Stalled' && c.reason === 'DeletionHeld')?.message ?? '');
  /** The revision the hold of `id` names (the full sha, in the JSON body the message shows). */
  const heldRevision = (id: string) => /"revision":"([0-9a-f]{40})"/.exec(heldMessage(id))?.[1];

  /** a, b, c converged; then one commit removes a and b: held (2 of 3). */
  async function heldWorld(orgs: { a?: string; b?: string } = {}, options: StartOptions = {}): Promise<void> {
    w = await startApiWorld({ files: { 'clusters/a.yaml': one('a', orgs.a), 'clusters/b.yaml': one('b', orgs.b), 'clusters/c.yaml': one('c') }, ...options });
    await Promise.all(['a', 'b', 'c'].map((n) => converged(w!.co, `cluster_${n}`, 1)));
    w.repo.push({ 'clusters/a.yaml': null, 'clusters/b.yaml': null }, 'remove a and b');
    await w.co.daemon.pollNow();
    await waitFor('a and b held', () => heldMessage('cluster_a') !== '' && heldMessage('cluster_b') !== '');
    await w.co.daemon.controller.idle();
  }

  /** Takes in every commit and lets every pass finish. */
  async function settle(): Promise<void> {
    await w!.co.statusWriter?.flush();
    await w!.co.daemon.pollNow();
    await w!.co.daemon.controller.idle();
  }

  it('the held status says exactly how to confirm: the procedure, the cluster and the held revision', async () => {
    await heldWorld();
    const message = heldMessage('cluster_a');
    expect(message).toContain('POST /api/cluster.confirmDeletion');
    expect(message).toContain(`{"clusterId":"cluster_a","revision":"${heldRevision('cluster_a')}"}`);
    expect(message).not.toContain(MARKER);
    expect(running('cluster_a') + running('cluster_b')).toBe(2);
  });

  it('a README-only commit whose message carries the old marker confirms nothing: the VMs stay', async () => {
    await heldWorld();
    w!.repo.push({ 'README.md': '# fleet\n' }, `Docs typo (${MARKER})`);
    await settle();
    await settle();
    expect(running('cluster_a')).toBe(1);
    expect(running('cluster_b')).toBe(1);
    expect(heldMessage('cluster_a')).not.toBe('');
  });

  it("a status commit quoting the marker (as clusterops' own commits quote error text) confirms nothing", async () => {
    await heldWorld();
    w!.repo.push({ 'status/a.yaml': `lastError: 'If that is intended, push a commit whose message contains "${MARKER}"'\n` }, `status(a): error (… "${MARKER}" …) [skip ci]`);
    await settle();
    await settle();
    expect(running('cluster_a') + running('cluster_b')).toBe(2);
  });

  it("a member and another organization's admin are refused as the access rules answer, and nothing changes", async () => {
    await heldWorld();
    const revision = heldRevision('cluster_a')!;
    for (const who of ['bob', 'eve'] as const) {
      const res = await as(who)('POST', 'cluster.confirmDeletion', { body: { clusterId: 'cluster_a', revision } });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: { code: 'NOT_FOUND', message: 'cluster not found', httpStatus: 404 } });
    }
    await settle();
    expect(running('cluster_a') + running('cluster_b')).toBe(2);
    expect(w!.co.store.cluster('cluster_a')?.deletionConfirmation).toBeUndefined();
    expect(heldRevision('cluster_a')).toBe(revision);
  });

  it('the admin confirms with the held revision (a 7-character prefix will do): exactly that cluster goes, the other stays held', async () => {
    await heldWorld({ b: 'org_other' });
    const revision = heldRevision('cluster_a')!;
    const stale = await as('alice')('POST', 'cluster.confirmDeletion', { body: { clusterId: 'cluster_a', revision: 'f'.repeat(40) } });
    expect(stale.status).toBe(409);
    expect(stale.json.error.message).toContain(revision);
    // alice is not an admin of b's organization.
    expect((await as('alice')('POST', 'cluster.confirmDeletion', { body: { clusterId: 'cluster_b', revision } })).status).toBe(404);

    const res = await as('alice')('POST', 'cluster.confirmDeletion', { body: { clusterId: 'cluster_a', revision: revision.slice(0, 7) } });
    expect(res.status).toBe(200);
    expect(res.json.result.data).toMatchObject({ id: 'cluster_a', name: 'a', status: 'deleting' });
    await waitFor('a deleted', () => vmsOf(w!.sim, 'cluster_a').length === 0);
    await settle();
    expect(running('cluster_b')).toBe(1);
    expect(running('cluster_c')).toBe(1);
    expect(heldRevision('cluster_b')).toBe(revision);

    // b's own organization's admin releases b.
    expect((await as('eve')('POST', 'cluster.confirmDeletion', { body: { clusterId: 'cluster_b', revision } })).status).toBe(200);
    await waitFor('b deleted', () => vmsOf(w!.sim, 'cluster_b').length === 0);
    expect(running('cluster_c')).toBe(1);
  });

  it('records who confirmed which revision, shows it in cluster.one, and refuses a cluster that is not held', async () => {
    // Deletions are slow here, so the confirmed cluster is still being deleted when read.
    await heldWorld({}, { deleteMs: 60_000 });
    const revision = heldRevision('cluster_a')!;
    expect((await as('alice')('POST', 'cluster.confirmDeletion', { body: { clusterId: 'cluster_c', revision } })).status).toBe(409);
    expect((await as('alice')('POST', 'cluster.confirmDeletion', { body: { clusterId: 'cluster_a', revision } })).status).toBe(200);
    expect(w!.co.store.cluster('cluster_a')?.deletionConfirmation).toMatchObject({ revision, by: 'user_alice' });
    const detail = await as('alice')('GET', 'cluster.one', { query: { clusterId: 'cluster_a' } });
    expect(detail.json.result.data.events.map((e: { message: string }) => e.message)).toContain(`deletion confirmed by user_alice for revision ${revision}`);
    // And in Git: the status file of the cluster being deleted names who confirmed which revision.
    await waitFor('status says deleting', () => w!.co.store.cluster('cluster_a')?.status?.status === 'deleting');
    await w!.co.statusWriter!.flush();
    expect(w!.repo.show('status/a.yaml')).toContain(`deletion confirmed by user_alice for revision ${revision}`);
  });

  it('after the manifests come back and go again, the old confirmation does not apply: the new hold needs a new one', async () => {
    // Deletions are slow, so a's record (and its confirmation) is still there when a comes back.
    await heldWorld({}, { deleteMs: 60_000 });
    const first = heldRevision('cluster_a')!;
    expect((await as('alice')('POST', 'cluster.confirmDeletion', { body: { clusterId: 'cluster_a', revision: first } })).status).toBe(200);
    await waitFor('a being deleted', () => vmsOf(w!.sim, 'cluster_a').every((v) => v.status !== 'active'));

    w!.repo.push({ 'clusters/a.yaml': one('a'), 'clusters/b.yaml': one('b') }, 'bring a and b back');
    await w!.co.daemon.pollNow();
    // The old VM is still going (slow deletes); a new one replaces it.
    await waitFor('a running again', () => running('cluster_a') === 1);
    expect(w!.co.store.cluster('cluster_a')?.deletionConfirmation).toBeUndefined();

    w!.repo.push({ 'clusters/a.yaml': null, 'clusters/b.yaml': null }, 'remove a and b again');
    await w!.co.daemon.pollNow();
    await waitFor('held again', () => heldRevision('cluster_a') !== undefined && heldRevision('cluster_a') !== first);
    await settle();
    expect(running('cluster_a')).toBe(1);
    expect(running('cluster_b')).toBe(1);
    expect((await as('alice')('POST', 'cluster.confirmDeletion', { body: { clusterId: 'cluster_a', revision: first } })).status).toBe(409);
  });
});
