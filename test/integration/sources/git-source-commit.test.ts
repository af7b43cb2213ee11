import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitSource } from '../../../src/sources/git-source.js';
import { createGitFixture, gitAsync, manifest, writeFiles, type GitFixture } from './git-fixture.js';

let fx: GitFixture;
let source: GitSource;
beforeEach(async () => {
  fx = createGitFixture();
  fx.push({ 'clusters/alpha.yaml': manifest('alpha'), 'clusters/beta.yaml': manifest('beta') }, 'seed');
  source = fx.source();
  await source.open();
});
afterEach(() => fx.cleanup());

const alice = { name: 'Alice Admin', email: 'alice@example.test' };
const head = (branch = 'main') => fx.remote('rev-parse', `refs/heads/${branch}`).trim();
const show = (rev: string, path: string) => fx.remote('show', `${rev}:${path}`);

describe('git source: commit', { timeout: 20_000 }, () => {
  it('commits exactly the edit, with the API user as author and the source as committer', async () => {
    const before = head();
    const result = await source.commit({
      message: 'scale alpha to 3',
      author: alice,
      edit: async (read) => {
        const alpha = await read('clusters/alpha.yaml');
        expect(alpha).toBe(manifest('alpha'));
        expect(await read('clusters/missing.yaml')).toBeUndefined();
        return [
          { path: 'clusters/alpha.yaml', content: manifest('alpha', 3) },
          { path: 'clusters/gamma.yaml', content: manifest('gamma') },
          { path: 'clusters/beta.yaml', content: null },
        ];
      },
    });

    expect(result).toEqual({ revision: head(), attempts: 1 });
    expect(fx.remote('rev-parse', 'main~1').trim()).toBe(before);
    expect(fx.remote('diff', '--no-renames', '--name-status', before, 'main').trim().split('\n').sort()).toEqual([
      'A\tclusters/gamma.yaml',
      'D\tclusters/beta.yaml',
      'M\tclusters/alpha.yaml',
    ]);
    expect(show('main', 'clusters/alpha.yaml')).toBe(manifest('alpha', 3));
    expect(fx.remote('log', '-1', '--format=%an <%ae>|%cn <%ce>|%B', 'main').trim()).toBe(
      'Alice Admin <alice@example.test>|clusterops bot <bot@clusterops.test>|scale alpha to 3',
    );
    const next = await source.poll();
    expect(next!.revision).toBe(head());
    expect(next!.files.map((f) => f.path).sort()).toEqual(['clusters/alpha.yaml', 'clusters/gamma.yaml']);
  });

  it('commits nothing for a refused edit or an edit that changes nothing', async () => {
    const before = head();
    const refused = await source.commit({ message: 'x', author: alice, edit: async () => ({ refused: 'cluster alpha is locked' }) });
    const same = await source.commit({
      message: 'y',
      author: alice,
      edit: async (read) => [
        { path: 'clusters/alpha.yaml', content: (await read('clusters/alpha.yaml'))! },
        { path: 'clusters/never-existed.yaml', content: null },
      ],
    });
    const empty = await source.commit({ message: 'z', author: alice, edit: async () => [] });

    expect(refused).toEqual({ refused: 'cluster alpha is locked' });
    expect(same).toEqual({ unchanged: true });
    expect(empty).toEqual({ unchanged: true });
    expect(head()).toBe(before);
  });

  it('rejects paths outside the repository, for writing and for reading, and commits nothing', async () => {
    const before = head();
    const paths = ['../evil.yaml', 'clusters/../../evil.yaml', '/etc/passwd', 'C:/evil', '.git/config', 'clusters//x.yaml', 'clusters\\..\\x', ''];
    // Queued together, they all run in one round.
    const attempts = paths.flatMap((path) => [
      source.commit({ message: 'escape', author: alice, edit: async () => [{ path, content: 'owned' }] }),
      source.commit({ message: 'peek', author: alice, edit: async (r) => (await r(path), []) }),
    ]);
    for (const attempt of attempts) await expect(attempt).rejects.toMatchObject({ name: 'GitSourceError', reason: 'InvalidPath' });
    const mixed = source.commit({
      message: 'one good, one bad',
      author: alice,
      edit: async () => [
        { path: 'clusters/ok.yaml', content: manifest('ok') },
        { path: 'clusters/../../evil.yaml', content: 'owned' },
      ],
    });
    await expect(mixed).rejects.toMatchObject({ reason: 'InvalidPath' });
    expect(head()).toBe(before);
    expect(existsSync(join(fx.root, 'evil.yaml'))).toBe(false);
  });

  it('creates a separate status branch as an orphan, leaving the tracked branch alone', async () => {
    const before = head();
    const first = await source.commit({
      branch: 'clusterops-status',
      message: 'status(alpha): running [skip ci]',
      author: alice,
      edit: async (read) => {
        expect(await read('clusters/alpha.yaml')).toBeUndefined();
        return [{ path: 'status/alpha.yaml', content: 'status: running\n' }];
      },
    });
    const second = await source.commit({
      branch: 'clusterops-status',
      message: 'status(beta): running [skip ci]',
      author: alice,
      edit: async (read) => [{ path: 'status/beta.yaml', content: `${await read('status/alpha.yaml')}# beta\n` }],
    });

    expect(head()).toBe(before);
    expect('revision' in first && 'revision' in second).toBe(true);
    expect(fx.remote('rev-list', '--parents', 'clusterops-status').trim().split('\n').map((l) => l.split(' ').length)).toEqual([2, 1]);
    expect(fx.remote('ls-tree', '-r', '--name-only', 'clusterops-status').trim().split('\n')).toEqual(['status/alpha.yaml', 'status/beta.yaml']);
    expect(show('clusterops-status', 'status/beta.yaml')).toBe('status: running\n# beta\n');
    expect(await source.poll()).toMatchObject({ revision: before });
  });

  it('fails only the commit whose edit throws; commits queued with it still land, in order', async () => {
    const results = await Promise.allSettled([
      source.commit({ message: 'note a', author: alice, edit: async () => [{ path: 'notes/a.txt', content: 'a\n' }] }),
      source.commit({
        message: 'boom',
        author: alice,
        edit: async () => {
          throw new Error('the manifest does not parse');
        },
      }),
      source.commit({ message: 'note c', author: alice, edit: async (read) => [{ path: 'notes/c.txt', content: `${await read('notes/a.txt')}c\n` }] }),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(show('main', 'notes/c.txt')).toBe('a\nc\n');
    expect(fx.remote('log', '--format=%s', '-3', 'main').trim().split('\n')).toEqual(['note c', 'note a', 'seed']);
  });

  it('refuses to commit before open()', async () => {
    const closed = fx.source();
    await expect(closed.commit({ message: 'x', author: alice, edit: async () => [] })).rejects.toMatchObject({ reason: 'NotOpen' });
  });

  it('loses no update when two sources and a human push to the same branch at once', async () => {
    const other = fx.source();
    await other.open();
    const appendLine = (line: string) => async (read: (p: string) => Promise<string | undefined>) => [
      { path: 'status/log.txt', content: `${(await read('status/log.txt')) ?? ''}${line}\n` },
      { path: `status/entries/${line}.txt`, content: `${line}\n` },
    ];
    const writes = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? source : other).commit({ message: `entry ${i}`, author: alice, edit: appendLine(`entry-${i}`) }),
    );
    const human = humanPush(fx, 'clusters/human.yaml', manifest('human'));

    const results = await Promise.all(writes);
    await human;

    const lines = show('main', 'status/log.txt').trim().split('\n');
    expect([...lines].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `entry-${i}`).sort());
    expect(fx.remote('ls-tree', '--name-only', 'main', 'status/entries/').trim().split('\n')).toHaveLength(20);
    expect(show('main', 'clusters/human.yaml')).toBe(manifest('human'));
    expect(fx.remote('rev-list', '--count', 'main').trim()).toBe('22');
    expect(results.every((r) => 'revision' in r)).toBe(true);
  });
});

/** A person committing in their own clone and pushing, pulling with rebase until it lands. */
async function humanPush(fx: GitFixture, path: string, content: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 150));
  writeFiles(fx.seed, { [path]: content });
  await gitAsync(fx.seed, 'add', '-A');
  await gitAsync(fx.seed, 'commit', '--quiet', '-m', 'human change');
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await gitAsync(fx.seed, 'pull', '--quiet', '--rebase', 'origin', 'main');
      await gitAsync(fx.seed, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  throw new Error('the human never managed to push');
}
