import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalSource, type LocalSource } from '../../../src/sources/local-source.js';
import type { Snapshot } from '../../../src/sources/types.js';
import { manifest } from './git-fixture.js';

let dir: string;
let source: LocalSource | null;
let seen: Snapshot[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clusterops-local-'));
  mkdirSync(join(dir, 'clusters'));
  writeFileSync(join(dir, 'clusters/alpha.yaml'), manifest('alpha'));
  seen = [];
  source = null;
});
afterEach(async () => {
  await source?.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = async (debounceMs = 80) => {
  source = createLocalSource({ dir, debounceMs, onSnapshot: (s) => void seen.push(s) });
  return source.start();
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a snapshot');
    await sleep(10);
  }
}

describe('local source', () => {
  it('emits a content-hashed first snapshot on start', async () => {
    const first = await start();
    expect(seen).toEqual([first]);
    expect(first.revision).toMatch(/^local:[0-9a-f]{64}$/);
    expect(first.clustersTreeId).toBe(first.revision);
    expect(first.message).toBe('');
    expect(first.files).toEqual([{ path: 'clusters/alpha.yaml', kind: 'file', content: manifest('alpha') }]);
  });

  it('emits one debounced snapshot for a burst of edits', async () => {
    const first = await start();
    writeFileSync(join(dir, 'clusters/beta.yaml'), manifest('beta'));
    writeFileSync(join(dir, 'clusters/alpha.yaml'), manifest('alpha', 3));
    writeFileSync(join(dir, 'clusters/beta.yaml'), manifest('beta', 5));
    await until(() => seen.length >= 2);
    await sleep(300);

    expect(seen).toHaveLength(2);
    const next = seen[1]!;
    expect(next.revision).not.toBe(first.revision);
    expect(next.files.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'clusters/alpha.yaml', kind: 'file', content: manifest('alpha', 3) },
      { path: 'clusters/beta.yaml', kind: 'file', content: manifest('beta', 5) },
    ]);
    expect(await source!.snapshot()).toMatchObject({ revision: next.revision });
  });

  it('emits nothing when a write leaves the content as it was, or after close()', async () => {
    await start();
    writeFileSync(join(dir, 'clusters/alpha.yaml'), manifest('alpha'));
    writeFileSync(join(dir, 'clusters/.alpha.yaml.swp'), 'editor noise');
    writeFileSync(join(dir, 'README.md'), 'not watched');
    await sleep(400);
    expect(seen).toHaveLength(1);

    await source!.close();
    writeFileSync(join(dir, 'clusters/gamma.yaml'), manifest('gamma'));
    await sleep(300);
    expect(seen).toHaveLength(1);
  });

  it('sees a new sub-folder as a dir entry', async () => {
    await start();
    mkdirSync(join(dir, 'clusters/legacy'));
    await until(() => seen.length >= 2);
    expect(seen[1]!.files).toContainEqual({ path: 'clusters/legacy', kind: 'dir' });
  });
});
