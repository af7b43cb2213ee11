import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileDurably } from '../../../src/durable-file.js';
import { openStore, StoreCorruptError } from '../../../src/store/store.js';
import type { ClusterRecord, StoreData } from '../../../src/store/types.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clusterops-durable-'));
  path = join(dir, 'state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const onDisk = (): StoreData => JSON.parse(readFileSync(path, 'utf8')) as StoreData;

function record(id: string): ClusterRecord {
  const at = '2026-03-01T10:00:00.000Z';
  return { id, name: id, organizationId: 'org_abc123', provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', createdAt: at, lastNodeNumber: 0, initialized: false, intents: [], status: null, updatedAt: at, events: [] };
}

/** A disk that fills up on demand: the real durable write, or ENOSPC as the kernel reports it. */
function fillableDisk() {
  const disk = { full: false, failures: 0 };
  const write = async (p: string, text: string) => {
    if (disk.full) {
      disk.failures++;
      throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    await writeFileDurably(p, text);
  };
  return { disk, write };
}

describe('store durability', () => {
  it.each([
    { what: 'null', content: 'null' },
    { what: 'an array', content: '[]' },
    { what: 'a number', content: '42' },
    { what: 'a string', content: '"state"' },
    { what: 'truncated JSON', content: '{"version": 1, "instanceId": "co-0123456789", "clus' },
    { what: 'an empty file', content: '' },
    { what: 'clusters that are not an object', content: '{"version": 1, "instanceId": "co-0123456789", "clusters": null}' },
  ])('refuses a store file holding $what as corrupt, naming the file and the way back, and leaves it untouched', async ({ content }) => {
    writeFileSync(path, content);

    const opened = openStore(path);

    await expect(opened).rejects.toThrow(StoreCorruptError);
    await expect(opened).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a clusterops store.*restore .*backup.*--owner-id`, 's'));
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('a write that fails (ENOSPC) rejects every update of its batch and leaves memory exactly as the disk holds it', async () => {
    const { disk, write } = fillableDisk();
    const store = await openStore(path, { writeFile: write });
    await store.update((d) => {
      d.clusters.web = record('web');
    });
    disk.full = true;

    const journal = store.update((d) => {
      d.clusters.web!.intents.push({ kind: 'create', nodeId: 'node_001', role: 'worker', plan: 'small', region: 'sfo3', size: 's-1vcpu-1gb', requestToken: 'ct-1', at: '2026-03-01T10:00:01.000Z' });
      d.clusters.web!.lastNodeNumber = 1;
    });
    const other = store.update((d) => {
      d.clusters.api = record('api');
    });

    await expect(journal).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(other).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(store.cluster('web')?.intents).toEqual([]);
    expect(store.cluster('web')?.lastNodeNumber).toBe(0);
    expect(store.cluster('api')).toBeUndefined();
    expect(store.clusters()).toEqual(onDisk().clusters ? Object.values(onDisk().clusters) : []);
    expect(store.lastWriteError()).toMatch(new RegExp(`cannot write ${path}: ENOSPC`));

    disk.full = false;
    await store.update((d) => {
      d.clusters.web!.lastNodeNumber = 7;
    });
    expect(store.lastWriteError()).toBeNull();
    expect(onDisk().clusters).toEqual({ web: { ...record('web'), lastNodeNumber: 7 } });
    expect(store.cluster('web')).toEqual(onDisk().clusters.web);
  });

  it('readers never see a change before it is on disk, and later updates build on the last durable data', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const store = await openStore(path, {
      writeFile: async (p, text) => {
        if (first && text.includes('"web"')) {
          first = false;
          await gate;
        }
        await writeFileDurably(p, text);
      },
    });

    const pending = store.update((d) => {
      d.clusters.web = record('web');
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.cluster('web')).toBeUndefined();
    const next = store.update((d) => Object.keys(d.clusters));
    release!();
    await pending;
    expect(store.cluster('web')).toEqual(record('web'));
    expect(await next).toEqual(['web']);
  });
});
