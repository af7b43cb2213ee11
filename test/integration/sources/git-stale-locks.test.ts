import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, git, manifest, type GitFixture } from './git-fixture.js';

let fx: GitFixture;
beforeEach(() => {
  fx = createGitFixture();
  fx.push({ 'clusters/alpha.yaml': manifest('alpha') }, 'seed');
});
afterEach(() => fx.cleanup());

/** What a git killed with SIGKILL mid-command leaves behind in the clone. */
function leaveStaleLocks(gitDir: string): void {
  for (const lock of ['index.lock', 'HEAD.lock', 'packed-refs.lock', 'shallow.lock', 'clusterops-commit.index.lock', 'refs/heads/main.lock', 'refs/remotes/origin/main.lock']) {
    mkdirSync(join(gitDir, lock, '..'), { recursive: true });
    writeFileSync(join(gitDir, lock), '');
  }
}

describe('git source: locks left by a killed git', { timeout: 30_000 }, () => {
  it('clears them at open when it owns the work dir, so a poll and a commit (an API write) succeed', async () => {
    const workDir = join(fx.root, 'data', 'repo');
    const first = fx.source({ workDir, clearStaleLocks: true });
    await first.open();
    await first.poll();
    leaveStaleLocks(join(workDir, '.git'));
    const sha = fx.push({ 'clusters/beta.yaml': manifest('beta') }, 'moved while we were down');

    // The restarted daemon: a new source on the same clone.
    const again = fx.source({ workDir, clearStaleLocks: true });
    await again.open();
    expect((await again.poll())!.revision).toBe(sha);
    const written = await again.commit({ message: 'api write', author: { name: 'A', email: 'a@example.test' }, edit: async () => [{ path: 'clusters/gamma.yaml', content: manifest('gamma') }] });
    expect(written).toMatchObject({ attempts: 1 });
    expect(fx.remote('show', 'main:clusters/gamma.yaml')).toBe(manifest('gamma'));
    git(fx.seed, 'pull', '--quiet', '--ff-only', 'origin', 'main');
    fx.push({ 'clusters/delta.yaml': manifest('delta') }, 'and the next poll');
    expect((await again.poll())!.files.map((f) => f.path)).toContain('clusters/delta.yaml');
  });

  it('leaves them alone without clearStaleLocks (another process may be using the clone)', async () => {
    const workDir = join(fx.root, 'shared');
    const first = fx.source({ workDir });
    await first.open();
    leaveStaleLocks(join(workDir, '.git'));
    fx.push({ 'clusters/beta.yaml': manifest('beta') }, 'moved');
    const again = fx.source({ workDir });
    await expect(again.open().then(() => again.poll())).rejects.toMatchObject({ reason: 'GitFailed' });
  });
});
