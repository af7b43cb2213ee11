import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRepository } from '../../../src/domain/manifest/repository.js';
import { readClusterEntries } from '../../../src/sources/local-files.js';
import { runBin } from '../../support/cli.js';
import { createGitFixture, git, manifest, recordingGit, type GitFixture } from './git-fixture.js';

const SECRET = 'ghp_TOPSECRETvalue1234567890abcdef';
const SYMLINK = 'is a symbolic link; clusters/ holds only regular files';
const temp = mkdtempSync(join(tmpdir(), 'clusterops-unsafe-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A working tree whose clusters/prod.yaml is a symlink to a file holding a secret. */
function symlinkedRepo(name: string): string {
  const repo = join(temp, name);
  mkdirSync(join(repo, 'clusters'), { recursive: true });
  writeFileSync(join(temp, `${name}-token`), `${SECRET}\n`, { mode: 0o600 });
  writeFileSync(join(repo, 'clusters/web.yaml'), manifest('web'));
  symlinkSync(join(temp, `${name}-token`), join(repo, 'clusters/prod.yaml'));
  return repo;
}

/** An 8.4 MB manifest whose id is on its first line. */
const huge = (id: string) => `id: ${id}\n${manifest('big')}# ${'x'.repeat(8_400_000)}\n`;

describe('symlinks under clusters/ in a working tree', () => {
  it('validate and plan --format markdown exit non-zero naming the file, and never print the target', () => {
    const repo = symlinkedRepo('cli');
    for (const args of [['validate', repo], ['plan', repo, '--format', 'markdown', '--data-dir', join(temp, 'no-state')]]) {
      const r = runBin(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`clusters/prod.yaml:1:1: ${SYMLINK}`);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain('TOPSECRET');
    }
  });

  it('refuses a clusters/ folder that is itself a symlink', async () => {
    const repo = join(temp, 'linked-folder');
    mkdirSync(join(temp, 'elsewhere'), { recursive: true });
    writeFileSync(join(temp, 'elsewhere/prod.yaml'), SECRET);
    mkdirSync(repo);
    symlinkSync(join(temp, 'elsewhere'), join(repo, 'clusters'));
    const r = runBin(['validate', repo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('clusters/ is a symbolic link');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('reports a FIFO or a link to /proc/self/environ without reading it (no hang, no content)', async () => {
    const repo = join(temp, 'specials');
    mkdirSync(join(repo, 'clusters'), { recursive: true });
    symlinkSync('/proc/self/environ', join(repo, 'clusters/env.yaml'));
    execFileSync('mkfifo', [join(repo, 'clusters/pipe.yaml')]);
    const entries = await readClusterEntries(repo);
    expect(entries).toEqual([
      { path: 'clusters/env.yaml', kind: 'unreadable', reason: SYMLINK },
      { path: 'clusters/pipe.yaml', kind: 'unreadable', reason: 'is not a regular file; clusters/ holds only regular files' },
    ]);
  });

  it('refuses an 8.4 MB manifest without reading it whole, keeping the id from its first lines', async () => {
    const repo = join(temp, 'huge-local');
    mkdirSync(join(repo, 'clusters'), { recursive: true });
    writeFileSync(join(repo, 'clusters/big.yaml'), huge('cluster_big1'));
    const entries = await readClusterEntries(repo);
    expect(entries).toEqual([{ path: 'clusters/big.yaml', kind: 'unreadable', reason: 'manifest is 8.4 MB; the limit is 256 KiB', id: 'cluster_big1' }]);
    const load = loadRepository(entries);
    expect(load.clusters).toEqual([]);
    expect(load.invalid).toEqual([{ file: 'clusters/big.yaml', name: 'big', id: 'cluster_big1', diagnostics: [expect.objectContaining({ message: 'manifest is 8.4 MB; the limit is 256 KiB' })] }]);
  });
});

describe('symlinks, submodules and huge blobs in Git', { timeout: 30_000 }, () => {
  let fx: GitFixture;
  beforeEach(() => {
    fx = createGitFixture();
  });
  afterEach(() => fx.cleanup());

  it('reports a committed symlink and a submodule as errors, never as manifests', async () => {
    writeFileSync(join(fx.root, 'token'), SECRET);
    symlinkSync(join(fx.root, 'token'), join(fx.seed, 'prod.yaml'));
    mkdirSync(join(fx.seed, 'clusters'));
    symlinkSync('../prod.yaml', join(fx.seed, 'clusters/prod.yaml'));
    const head = fx.push({ 'clusters/web.yaml': manifest('web') }, 'a symlink');
    git(fx.seed, 'update-index', '--add', '--cacheinfo', `160000,${head},clusters/sub.yaml`);
    git(fx.seed, 'commit', '--quiet', '-m', 'a submodule');
    git(fx.seed, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');

    const source = fx.source();
    await source.open();
    const snap = (await source.poll())!;
    expect(snap.files).toEqual([
      { path: 'clusters/prod.yaml', kind: 'unreadable', reason: SYMLINK },
      { path: 'clusters/sub.yaml', kind: 'unreadable', reason: 'is a Git submodule; clusters/ holds only regular files' },
      { path: 'clusters/web.yaml', kind: 'file', content: manifest('web') },
    ]);
    const load = loadRepository(snap.files);
    expect(load.invalid.filter((i) => i.file !== 'clusters/web.yaml').map((i) => [i.file, i.diagnostics[0]!.message])).toEqual([
      ['clusters/prod.yaml', SYMLINK],
      ['clusters/sub.yaml', 'is a Git submodule; clusters/ holds only regular files'],
    ]);
    expect(JSON.stringify(snap)).not.toContain(SECRET);
    // An edit (an API write) reading the link is refused too, rather than given the target path.
    const edit = source.commit({ message: 'edit', author: { name: 'A', email: 'a@example.test' }, edit: async (read) => [{ path: 'clusters/prod.yaml', content: (await read('clusters/prod.yaml')) ?? '' }] });
    await expect(edit).rejects.toMatchObject({ reason: 'InvalidPath', message: `clusters/prod.yaml ${SYMLINK}` });
  });

  it('reports a clusters/ that is a symlink as an error rather than an empty folder (which reads as every cluster deleted)', async () => {
    fx.push({ 'elsewhere/web.yaml': manifest('web') }, 'elsewhere');
    symlinkSync('elsewhere', join(fx.seed, 'clusters'));
    fx.push({}, 'clusters is a symlink');
    const source = fx.source();
    await source.open();
    const snap = (await source.poll())!;
    expect(snap.files).toEqual([{ path: 'clusters', kind: 'unreadable', reason: 'clusters/ is a symbolic link; it must be a folder of regular files' }]);
    expect(snap.clustersTreeId).not.toBe('');
    expect(loadRepository(snap.files).invalid).toHaveLength(1);
  });

  it('refuses an 8.4 MB blob from its size in the tree listing, never running cat-file on it whole', async () => {
    fx.push({ 'clusters/big.yaml': huge('cluster_big2'), 'clusters/web.yaml': manifest('web') }, 'huge');
    const bigBlob = fx.remote('rev-parse', 'main:clusters/big.yaml').trim();
    const argv: string[][] = [];
    const source = fx.source({ simpleGit: recordingGit(argv) });
    await source.open();
    const snap = (await source.poll())!;
    expect(snap.files).toEqual([
      { path: 'clusters/big.yaml', kind: 'unreadable', reason: 'manifest is 8.4 MB; the limit is 256 KiB', id: 'cluster_big2' },
      { path: 'clusters/web.yaml', kind: 'file', content: manifest('web') },
    ]);
    expect(argv.filter((a) => a.includes(bigBlob))).toEqual([]);
    const load = loadRepository(snap.files);
    expect(load.invalid.find((i) => i.file === 'clusters/big.yaml')).toMatchObject({ id: 'cluster_big2', diagnostics: [{ message: 'manifest is 8.4 MB; the limit is 256 KiB' }] });
    // A pull request's head is read by the same reader.
    const pr = await source.snapshotOf(fx.remote('rev-parse', 'main').trim());
    expect(pr.files[0]).toMatchObject({ kind: 'unreadable', id: 'cluster_big2' });
  });
});
