import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { knownClusters } from '../../../src/api/clusters/view.js';
import type { DesiredState } from '../../../src/reconcile/desired.js';
import { MAX_EVENTS, openStore } from '../../../src/store/store.js';
import type { ClusterRecord, StoreData } from '../../../src/store/types.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clusterops-store-'));
  path = join(dir, 'data', 'state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The store file as another process would read it. */
const onDisk = (): StoreData => JSON.parse(readFileSync(path, 'utf8')) as StoreData;

function record(id: string, over: Partial<ClusterRecord> = {}): ClusterRecord {
  return {
    id,
    name: id.replace(/^cluster_/, ''),
    organizationId: 'org_abc123',
    provider: 'digitalocean',
    region: 'sfo3',
    orchestrator: 'kubernetes',
    createdAt: '2026-03-01T10:00:00.000Z',
    lastNodeNumber: 0,
    initialized: false,
    intents: [],
    status: null,
    updatedAt: '2026-03-01T10:00:00.000Z',
    events: [],
    ...over,
  };
}

describe('store', () => {
  it('creates the file (and its folder) with an instance id that is kept across reopen', async () => {
    const first = await openStore(path);

    expect(first.instanceId).toMatch(/^co-[0-9a-f]{10}$/);
    expect(onDisk()).toEqual({ version: 1, instanceId: first.instanceId, clusters: {} });
    expect((await openStore(path)).instanceId).toBe(first.instanceId);
    expect((await openStore(join(dir, 'other.json'))).instanceId).not.toBe(first.instanceId);
  });

  it('persists updates before they resolve, and a reopened store sees them', async () => {
    const store = await openStore(path);

    const result = await store.update((d) => {
      d.clusters.cluster_web = record('cluster_web', { lastNodeNumber: 2 });
      return 'done';
    });

    expect(result).toBe('done');
    expect(onDisk().clusters.cluster_web?.lastNodeNumber).toBe(2);
    expect(store.cluster('cluster_web')?.name).toBe('web');
    const reopened = await openStore(path);
    expect(reopened.cluster('cluster_web')).toEqual(record('cluster_web', { lastNodeNumber: 2 }));
    expect(reopened.clusters().map((c) => c.id)).toEqual(['cluster_web']);
    expect(reopened.cluster('cluster_nope')).toBeUndefined();
  });

  it('group-commits concurrent updates: applied in order, none lost, each resolves once a write holding it is on disk', async () => {
    const store = await openStore(path);
    await store.update((d) => {
      d.clusters.cluster_web = record('cluster_web');
    });
    const seenOnDisk: number[] = [];

    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        store
          .update((d) => ++d.clusters.cluster_web!.lastNodeNumber)
          .then((n) => {
            seenOnDisk.push(onDisk().clusters.cluster_web!.lastNodeNumber);
            return n;
          }),
      ),
    );

    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // When update N resolves, at least N increments are on disk.
    expect(seenOnDisk.every((persisted, i) => persisted >= results[i]!)).toBe(true);
    // Updates made while a write was in flight shared the next write: far fewer than 100 writes.
    expect(new Set(seenOnDisk).size).toBeLessThan(10);
    expect(onDisk().clusters.cluster_web?.lastNodeNumber).toBe(100);
    expect((await openStore(path)).cluster('cluster_web')?.lastNodeNumber).toBe(100);
  });

  it('rejects only the update whose function throws; later updates still run', async () => {
    const store = await openStore(path);

    const failing = store.update(() => {
      throw new Error('boom');
    });
    const next = store.update((d) => {
      d.clusters.cluster_api = record('cluster_api');
    });

    await expect(failing).rejects.toThrow('boom');
    await next;
    expect(Object.keys(onDisk().clusters)).toEqual(['cluster_api']);
  });

  it(`keeps the ${MAX_EVENTS} newest events of a cluster`, async () => {
    const store = await openStore(path);
    await store.update((d) => {
      d.clusters.cluster_web = record('cluster_web');
    });

    await Promise.all(
      Array.from({ length: MAX_EVENTS + 25 }, (_, i) => store.addEvent('cluster_web', { type: 'info', message: `event ${i}` }, `2026-03-01T10:00:${String(i % 60).padStart(2, '0')}Z`)),
    );

    const events = onDisk().clusters.cluster_web!.events;
    expect(events).toHaveLength(MAX_EVENTS);
    expect(events[0]?.message).toBe('event 25');
    expect(events.at(-1)).toEqual({ at: '2026-03-01T10:00:04Z', type: 'info', message: `event ${MAX_EVENTS + 24}` });
  });

  it('reads a record an older version made from VM tags alone (organization org_unknown, no orphan flag) as an orphan, which the API does not list', async () => {
    mkdirSync(join(dir, 'data'));
    const clusters = { cluster_lost: record('cluster_lost', { organizationId: 'org_unknown' }), cluster_web: record('cluster_web') };
    writeFileSync(path, JSON.stringify({ version: 1, instanceId: 'co-0123456789', clusters }));
    const store = await openStore(path);
    expect(store.cluster('cluster_lost')?.orphan).toBe(true);
    expect(store.cluster('cluster_web')?.orphan).toBeUndefined();
    const desired = { entries: new Map() } as unknown as DesiredState;
    expect(knownClusters(desired, store).map((c) => c.id)).toEqual(['cluster_web']);
  });

  it('ignores events for an unknown cluster', async () => {
    const store = await openStore(path);

    await store.addEvent('cluster_ghost', { type: 'error', message: 'nobody' }, '2026-03-01T10:00:00Z');

    expect(onDisk().clusters).toEqual({});
  });

  it.each([
    { what: 'JSON of another shape', content: '{"hello": "world"}' },
    { what: 'a store of another version', content: '{"version": 2, "instanceId": "co-0123456789", "clusters": {}}' },
    { what: 'a store without an instance id', content: '{"version": 1, "clusters": {}}' },
    { what: 'a file that is not JSON', content: 'clusters:\n  - web\n' },
  ])('refuses $what with a clear error and leaves it untouched', async ({ content }) => {
    const foreign = join(dir, 'foreign.json');
    writeFileSync(foreign, content);

    await expect(openStore(foreign)).rejects.toThrow(`${foreign} is not a clusterops store`);
    expect(readFileSync(foreign, 'utf8')).toBe(content);
  });
});
