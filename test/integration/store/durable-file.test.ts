import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileDurably, writeFileDurablySync } from '../../../src/durable-file.js';

const VARIANTS = [
  ['writeFileDurably', (p: string, text: string) => writeFileDurably(p, text).then(() => undefined)],
  ['writeFileDurablySync', async (p: string, text: string) => writeFileDurablySync(p, text)],
] as const;

describe.each(VARIANTS)('%s', (_name, write) => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterops-durable-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file (mode 0600), creating missing directories, and leaves no temp file', async () => {
    const path = join(dir, 'sub', 'state.json');
    await write(path, 'one');
    await write(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['state.json']);
  });

  it('on failure throws with the code, leaves what was there, and removes its temp file', async () => {
    const path = join(dir, 'state.json');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'kept');
    await expect(write(path, 'new')).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('kept');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});
