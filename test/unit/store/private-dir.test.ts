import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from '../../../src/store/private-dir.js';

const root = mkdtempSync(join(tmpdir(), 'clusterops-private-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('the data directory is private', () => {
  it('is created 0700 whatever the umask, with its missing parents', async () => {
    const dir = join(root, 'a', 'b', 'data');
    expect(await ensurePrivateDir(dir)).toBe('private');
    expect(mode(dir)).toBe(0o700);
  });

  it('tightens an existing directory an older version left 0755', async () => {
    const dir = join(root, 'old');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(await ensurePrivateDir(dir)).toBe('tightened');
    expect(mode(dir)).toBe(0o700);
    expect(await ensurePrivateDir(dir)).toBe('private');
  });
});
