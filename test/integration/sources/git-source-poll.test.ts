import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedactor, GitSourceError } from '../../../src/sources/git-errors.js';
import { createGitFixture, git, manifest, type GitFixture } from './git-fixture.js';

let fx: GitFixture;
beforeEach(() => {
  fx = createGitFixture();
});
afterEach(() => fx.cleanup());

const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);

describe('git source: open and poll', { timeout: 20_000 }, () => {
  it('clones, checks out the branch and returns the first snapshot from the commit', async () => {
    const sha = fx.push(
      {
        'clusters/alpha.yaml': manifest('alpha'),
        'clusters/beta.yaml': manifest('beta', 3),
        'clusters/.gitkeep': '',
        'clusters/nested/gamma.yaml': manifest('gamma'),
        'status/alpha.yaml': 'status: running\n',
        'README.md': '# fleet\n',
      },
      'add clusters\n\nwith a body',
    );
    const source = fx.source();
    await source.open();
    const snap = await source.poll();

    expect(snap).not.toBeNull();
    expect(snap!.revision).toBe(sha);
    expect(snap!.files.sort(byPath)).toEqual([
      // Dotfiles and sub-folders' files are read too, so the validator reports them (a moved manifest keeps its cluster).
      { path: 'clusters/.gitkeep', kind: 'file', content: '' },
      { path: 'clusters/alpha.yaml', kind: 'file', content: manifest('alpha') },
      { path: 'clusters/beta.yaml', kind: 'file', content: manifest('beta', 3) },
      { path: 'clusters/nested/gamma.yaml', kind: 'file', content: manifest('gamma') },
    ]);
    expect(snap!.clustersTreeId).toBe(fx.remote('rev-parse', 'main:clusters').trim());
    expect(snap!.message).toBe('add clusters\n\nwith a body');
    expect(new Date(snap!.committedAt).toString()).not.toBe('Invalid Date');
    expect(readFileSync(join(fx.root, 'work-1/clusters/beta.yaml'), 'utf8')).toBe(manifest('beta', 3));
    expect(source.lastSnapshot()).toEqual(snap);
  });

  it('returns null without fetching while the remote has not moved, and fetches once it has', async () => {
    fx.push({ 'clusters/alpha.yaml': manifest('alpha') }, 'one');
    const source = fx.source();
    await source.open();
    await source.poll();
    fx.push({ 'clusters/beta.yaml': manifest('beta') }, 'two');
    expect(await source.poll()).not.toBeNull();
    const fetchHead = join(fx.root, 'work-1/.git/FETCH_HEAD');
    const longAgo = new Date('2001-01-01T00:00:00Z');
    utimesSync(fetchHead, longAgo, longAgo);

    expect(await source.poll()).toBeNull();
    expect(await source.poll()).toBeNull();
    expect(statSync(fetchHead).mtime).toEqual(longAgo);

    fx.push({ 'clusters/gamma.yaml': manifest('gamma') }, 'three');
    expect(await source.poll()).not.toBeNull();
    expect(statSync(fetchHead).mtime.getTime()).toBeGreaterThan(longAgo.getTime());
  });

  it('picks up a pushed change, reading the commit rather than the dirty working tree', async () => {
    fx.push({ 'clusters/alpha.yaml': manifest('alpha') }, 'one');
    const source = fx.source();
    await source.open();
    const first = await source.poll();
    const work = join(fx.root, 'work-1');
    writeFileSync(join(work, 'clusters/alpha.yaml'), 'garbage: [');
    writeFileSync(join(work, 'clusters/stray.yaml'), manifest('stray'));
    const sha = fx.push({ 'clusters/beta.yaml': manifest('beta'), 'clusters/alpha.yaml': null }, 'swap');

    const next = await source.poll();
    expect(next!.revision).toBe(sha);
    expect(next!.clustersTreeId).not.toBe(first!.clustersTreeId);
    expect(next!.files).toEqual([{ path: 'clusters/beta.yaml', kind: 'file', content: manifest('beta') }]);
    expect(existsSync(join(work, 'clusters/alpha.yaml'))).toBe(false);
    expect(existsSync(join(work, 'clusters/stray.yaml'))).toBe(false);
  });

  it('keeps clustersTreeId for a commit that only touches status/', async () => {
    fx.push({ 'clusters/alpha.yaml': manifest('alpha') }, 'one');
    const source = fx.source();
    await source.open();
    const first = await source.poll();
    const sha = fx.push({ 'status/alpha.yaml': 'status: running\n' }, 'status(alpha): running [skip ci]');

    const next = await source.poll();
    expect(next!.revision).toBe(sha);
    expect(next!.clustersTreeId).toBe(first!.clustersTreeId);
    expect(next!.message).toContain('[skip ci]');
  });

  it('reports a repository without clusters/ as an empty tree id', async () => {
    fx.push({ 'README.md': 'nothing yet\n' }, 'readme');
    const source = fx.source();
    await source.open();
    expect(await source.poll()).toMatchObject({ files: [], clustersTreeId: '' });
  });

  it('reuses an existing clone of the same remote in workDir', async () => {
    fx.push({ 'clusters/alpha.yaml': manifest('alpha') }, 'one');
    const workDir = join(fx.root, 'shared-work');
    await fx.source({ workDir }).open();
    const sha = fx.push({ 'clusters/beta.yaml': manifest('beta') }, 'two');
    const again = fx.source({ workDir });
    await again.open();
    expect((await again.poll())!.revision).toBe(sha);
  });
});

describe('git source: clear errors', { timeout: 20_000 }, () => {
  const reasonOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof GitSourceError ? e.reason : `other: ${String(e)}`));

  it('reports an empty remote, then opens once the first commit is pushed', async () => {
    const source = fx.source();
    await expect(source.open()).rejects.toThrow(/has no commits yet/);
    expect(await reasonOf(source.open())).toBe('EmptyRemote');
    expect(await reasonOf(source.poll())).toBe('NotOpen');
    const sha = fx.push({ 'clusters/alpha.yaml': manifest('alpha') }, 'first');
    await source.open();
    expect((await source.poll())!.revision).toBe(sha);
  });

  it('names the branches a remote has when the tracked one is missing', async () => {
    fx.push({ 'clusters/alpha.yaml': manifest('alpha') }, 'one');
    const source = fx.source({ branch: 'production' });
    await expect(source.open()).rejects.toThrow(/has no branch production; it has main/);
  });

  it('refuses a workDir that is a clone of another repository, or not a clone at all', async () => {
    fx.push({ 'clusters/alpha.yaml': manifest('alpha') }, 'one');
    const other = join(fx.root, 'other.git');
    git(fx.root, 'clone', '--quiet', '--bare', fx.bare, other);
    const workDir = join(fx.root, 'work');
    await fx.source({ url: other, workDir }).open();
    await expect(fx.source({ workDir }).open()).rejects.toThrow(/is a clone of .*other\.git, not of .*remote\.git/);

    const junk = join(fx.root, 'junk');
    mkdirSync(junk);
    writeFileSync(join(junk, 'notes.txt'), 'hello');
    expect(await reasonOf(fx.source({ workDir: junk }).open())).toBe('NotAClone');
  });

  it('never puts credentials from the URL or env into an error', async () => {
    const source = fx.source({ url: 'https://robot:hunter2-token@127.0.0.1:9/fleet.git' });
    const err = await source.open().then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(GitSourceError);
    expect((err as GitSourceError).reason).toBe('GitFailed');
    expect(err!.message).not.toContain('hunter2-token');
    expect(err!.message).toContain('127.0.0.1:9');
    const redact = createRedactor(['s3cret-value']);
    expect(redact('ssh://deploy:tok@host/x.git said s3cret-value')).toBe('ssh://***@host/x.git said ***');
  });
});
