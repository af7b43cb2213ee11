import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBin } from '../../support/cli.js';
import { createGitFixture, git, manifest, recordingGit, type GitFixture } from './git-fixture.js';
import { startHttpGitServer, type HttpGitServer } from './http-git-server.js';

const USER = 'x-access-token';
// Characters a URL must percent-encode, and a backslash a shell `echo` would eat.
const TOKEN = 'ghp_S3cr3t/T0ken@with\\odd+chars';
const ENCODED = encodeURIComponent(TOKEN);

let fx: GitFixture;
let server: HttpGitServer;
beforeEach(async () => {
  fx = createGitFixture();
  fx.push({ 'clusters/alpha.yaml': manifest('alpha') }, 'seed');
  server = await startHttpGitServer(fx.root, USER, TOKEN);
});
afterEach(async () => {
  await server.close();
  fx.cleanup();
});

const credentialed = () => `${server.base.replace('://', `://${USER}:${ENCODED}@`)}/remote.git`;

describe('git source: credentials in the repository URL', { timeout: 30_000 }, () => {
  it('clones, polls and pushes over authenticated HTTP with the credential in no git argv and not in .git/config', async () => {
    const argv: string[][] = [];
    const workDir = join(fx.root, 'data', 'repo');
    const source = fx.source({ url: credentialed(), workDir, simpleGit: recordingGit(argv) });
    await source.open();
    expect((await source.poll())!.files.map((f) => f.path)).toEqual(['clusters/alpha.yaml']);
    const pushed = await source.commit({ message: 'scale', author: { name: 'A', email: 'a@example.test' }, edit: async () => [{ path: 'clusters/alpha.yaml', content: manifest('alpha', 3) }] });
    expect(pushed).toMatchObject({ attempts: 1 });
    expect(fx.remote('show', 'main:clusters/alpha.yaml')).toBe(manifest('alpha', 3));

    // Git really authenticated (the server refuses anyone else), with the decoded token.
    expect(server.authorizations).toContain(`Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`);
    expect(argv.some((a) => a[0] === 'clone')).toBe(true);
    for (const args of argv) for (const secret of [TOKEN, ENCODED]) expect(args.join(' ')).not.toContain(secret);
    const config = readFileSync(join(workDir, '.git', 'config'), 'utf8');
    expect(config).toContain(`url = ${server.base}/remote.git`);
    for (const secret of [TOKEN, ENCODED, USER]) expect(config).not.toContain(secret);
    expect(statSync(workDir).mode & 0o777).toBe(0o700);
  });

  it('rewrites a clone an older version left with the credential in .git/config, and tightens its mode', async () => {
    const workDir = join(fx.root, 'old-clone');
    git(fx.root, 'clone', '--quiet', '--no-checkout', fx.bare, workDir);
    git(workDir, 'remote', 'set-url', 'origin', credentialed());
    expect(readFileSync(join(workDir, '.git', 'config'), 'utf8')).toContain(ENCODED);

    const source = fx.source({ url: credentialed(), workDir });
    await source.open();
    expect(await source.poll()).not.toBeNull();
    const config = readFileSync(join(workDir, '.git', 'config'), 'utf8');
    expect(config).toContain(`url = ${server.base}/remote.git`);
    expect(config).not.toContain(ENCODED);
    expect(statSync(workDir).mode & 0o777).toBe(0o700);
  });

  it('fails with a redacted error when the credential is wrong', async () => {
    const wrong = `${server.base.replace('://', `://${USER}:not-the-${ENCODED}@`)}/remote.git`;
    const source = fx.source({ url: wrong, workDir: join(fx.root, 'wrong') });
    const err = await source.open().then(() => null, (e: unknown) => e as Error);
    expect(err).toMatchObject({ name: 'GitSourceError', reason: 'GitFailed' });
    expect(err!.message).not.toContain(ENCODED);
    expect(err!.message).not.toContain(TOKEN);
  });
});

describe('config check with a credentialed repository URL', () => {
  it('prints the URL with *** instead of the credential', () => {
    const url = `https://${USER}:${ENCODED}@github.com/acme/fleet.git`;
    for (const args of [['config', 'check', '--repo', url], ['config', 'check', '--json', '--repo', url]]) {
      const r = runBin(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('https://***@github.com/acme/fleet.git');
      for (const secret of [ENCODED, TOKEN, 'S3cr3t']) expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });
});
