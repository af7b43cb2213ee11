import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSnapshotAt, type BlobCache } from '../../../src/sources/git-objects.js';
import type { GitRunner } from '../../../src/sources/git-runner.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' };

/** A real repository and a runner that counts the blobs it reads. */
function repo() {
  const dir = mkdtempSync(join(tmpdir(), 'clusterops-objects-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: ENV, encoding: 'utf8' });
  git('init', '-q', '--initial-branch=main');
  mkdirSync(join(dir, 'clusters'));
  let blobReads = 0;
  const runner: GitRunner = {
    run: async (args) => {
      if (args[0] === 'cat-file' && args[1] === 'blob') blobReads++;
      return git(...args);
    },
    readPrefix: async () => Buffer.alloc(0),
    at: () => runner,
  };
  const commit = (files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, 'clusters', name), content);
    git('add', '-A');
    git('commit', '-q', '-m', 'change');
    return git('rev-parse', 'HEAD').trim();
  };
  return { dir, runner, commit, blobReads: () => blobReads };
}

describe('reading a snapshot from Git objects', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('with a blob cache, reads only the manifests that changed since the last snapshot', async () => {
    const r = repo();
    dir = r.dir;
    const first = r.commit({ 'a.yaml': 'name: a\n', 'b.yaml': 'name: b\n', 'c.yaml': 'name: c\n' });
    const cache: BlobCache = new Map();
    await readSnapshotAt(r.runner, first, cache);
    expect(r.blobReads()).toBe(3);
    const second = r.commit({ 'b.yaml': 'name: b\n# edited\n' });
    const snapshot = await readSnapshotAt(r.runner, second, cache);
    expect(r.blobReads()).toBe(4);
    expect(snapshot.files.map((f) => [f.path, f.kind === 'file' ? f.content : ''])).toEqual([
      ['clusters/a.yaml', 'name: a\n'],
      ['clusters/b.yaml', 'name: b\n# edited\n'],
      ['clusters/c.yaml', 'name: c\n'],
    ]);
    // The cache holds this snapshot's blobs only, so it never grows past the repository.
    expect(cache.size).toBe(3);
  });
});
