import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureKeyPair } from '../../../src/orchestrators/ssh/keys.js';
import { md5Fingerprint } from '../../../src/preflight/context.js';
import { SIMULATED_IMAGE_ID } from '../../../src/providers/aws/adapter.js';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';
import { ensureDemoRemote } from '../../../src/sim/demo-repo.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../../src/sim/github/index.js';
import { runBinAsync } from '../../support/cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

// `clusterops preflight`, the built binary, against the simulated cloud over HTTP and a real Git
// remote: what it reports for a good setup and for each problem, and that it writes nothing.
describe('clusterops preflight', () => {
  const temp = mkdtempSync(join(tmpdir(), 'clusterops-preflight-'));
  const dataDir = join(temp, 'data');
  const home = join(temp, 'home');
  let sim: SimCloud;
  let remote: string;
  let refsBefore: string;
  let env: NodeJS.ProcessEnv;
  let fingerprint: string;

  beforeAll(async () => {
    execFileSync('mkdir', ['-p', dataDir, home]);
    sim = await startSimCloud();
    // What the daemon's first start leaves: its SSH key pair and the demo's seeded remote.
    fingerprint = md5Fingerprint((await ensureKeyPair(dataDir)).publicKey);
    remote = await ensureDemoRemote(dataDir, join(root, 'example-repo'), join(root, 'schemas', 'cluster.schema.json'));
    refsBefore = refsOf(remote);
    const e = sim.endpoints();
    env = {
      PATH: process.env.PATH,
      HOME: home,
      CLUSTEROPS_REPO: remote,
      CLUSTEROPS_DATA_DIR: dataDir,
      DIGITALOCEAN_TOKEN: sim.credentials.digitalocean.token,
      HCLOUD_TOKEN: sim.credentials.hetzner.token,
      AWS_ACCESS_KEY_ID: sim.credentials.aws.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sim.credentials.aws.secretAccessKey,
      CLUSTEROPS_DIGITALOCEAN_ENDPOINT: e.digitalocean,
      CLUSTEROPS_HETZNER_ENDPOINT: e.hetzner,
      CLUSTEROPS_AWS_ENDPOINT: e.aws,
    };
  });

  afterEach(() => {
    const do_ = sim.emulators.digitalocean.account;
    do_.tokenScopes.clear();
    do_.withdrawnSizes.clear();
    do_.withdrawnImages.clear();
    sim.emulators.hetzner.project.unavailableTypes.clear();
    sim.emulators.aws.account.deniedActions.clear();
    sim.emulators.aws.account.withdrawnTypes.clear();
    sim.emulators.aws.account.images.get(SIMULATED_IMAGE_ID)!.regions.add('us-east-1');
  });

  afterAll(async () => {
    // Nothing any run did wrote to a provider or to the remote.
    expect(writes(sim)).toEqual({ digitalocean: [], hetzner: [], aws: [] });
    for (const e of Object.values(sim.emulators)) expect(e.vms()).toEqual([]);
    expect(refsOf(remote)).toBe(refsBefore);
    await sim.close();
    rmSync(temp, { recursive: true, force: true });
  });

  const preflight = async (args: string[] = [], over: NodeJS.ProcessEnv = {}) => {
    const r = await runBinAsync(['preflight', ...args], { env: { ...env, ...over } });
    for (const secret of [sim.credentials.digitalocean.token, sim.credentials.hetzner.token, sim.credentials.aws.secretAccessKey]) {
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    return { ...r, lines: r.stdout.trim().split('\n') };
  };

  it('passes a good setup: exit 0, a ✓ for everything that can be read, the rest said not checked, and no provider writes', async () => {
    const r = await preflight();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines.filter((l) => !l.startsWith('✓ ') && !l.startsWith('- ') && !l.startsWith('preflight: '))).toEqual([]);
    expect(r.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^✓ git: ${remote} is reachable; branch main is at [0-9a-f]{7}$`)),
        '✓ git: may push to branch main (git push --dry-run)',
        expect.stringMatching(/^✓ manifests: 3 cluster manifests valid in .* branch main \([0-9a-f]{7}\)$/),
        '✓ digitalocean: token works (account sim@clusterops.invalid, team Simulated Team)',
        '✓ digitalocean: region sfo3 (San Francisco 3) takes new droplets (clusters/production.yaml:8)',
        '✓ digitalocean: size s-2vcpu-2gb is offered in sfo3 (clusters/production.yaml:15)',
        '✓ digitalocean: image ubuntu-24-04-x64 is available in sfo3 (clusters/production.yaml:8)',
        `✓ digitalocean: clusterops' SSH key ${fingerprint} is not registered yet; clusterops registers it at start (the token needs ssh_key:create)`,
        '✓ digitalocean: droplet limit 25: 0 in use (0 of them clusterops\'), room for 25; the manifests need 3 more',
        '✓ hetzner: server type cpx22 is offered in nbg1 (clusters/staging.yaml:12)',
        '✓ hetzner: image ubuntu-24.04 (x86) is available in every location (clusters/staging.yaml:12)',
        '✓ aws: region us-east-1 is enabled (opt-in-not-required) (clusters/analytics.yaml:8)',
        '✓ aws: instance type t3.large is offered in us-east-1 (clusters/analytics.yaml:15)',
        `✓ aws: image ${SIMULATED_IMAGE_ID} (ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-simulated) is available in us-east-1 (clusters/analytics.yaml:8)`,
        '✓ aws: may call RunInstances (with tags) in us-east-1 (DryRun)',
        '✓ aws: may call TerminateInstances in us-east-1 (DryRun)',
        expect.stringMatching(/^- hetzner: not checked: whether the token is "Read & Write"/),
        expect.stringMatching(/^- digitalocean: not checked: the write scopes droplet:create, droplet:delete, tag:create, ssh_key:create/),
        expect.stringMatching(/^preflight: \d+ passed, 0 failed, \d+ not checked$/),
      ]),
    );
    // The DryRun probes were the only EC2 calls that name a write.
    expect(sim.emulators.aws.calls()['POST RunInstances DryRun']).toBeGreaterThan(0);
  });

  it('--demo checks the demo world the data directory describes (sim.json, remote.git)', async () => {
    writeFileSync(join(dataDir, 'sim.json'), JSON.stringify({ endpoints: sim.endpoints(), credentials: sim.credentials }), { mode: 0o600 });
    const r = await preflight(['--demo', '--data-dir', dataDir], { DIGITALOCEAN_TOKEN: '', HCLOUD_TOKEN: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', CLUSTEROPS_REPO: '' });
    expect(r.code).toBe(0);
    expect(r.lines).toContain('✓ digitalocean: token works (account sim@clusterops.invalid, team Simulated Team)');
    expect(r.lines).toContain('✓ aws: credentials work (DescribeRegions in us-east-1)');
    rmSync(join(dataDir, 'sim.json'));
    const none = await preflight(['--demo', '--data-dir', join(temp, 'no-demo')], { CLUSTEROPS_REPO: '' });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('has none (no sim.json or remote.git): start it with npm start');
  });

  it('a registered SSH key is found by its MD5 fingerprint', async () => {
    const res = await fetch(`${sim.endpoints().digitalocean}/account/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.credentials.digitalocean.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'clusterops', public_key: (await ensureKeyPair(dataDir)).publicKey }),
    });
    const { ssh_key: key } = (await res.json()) as { ssh_key: { id: number } };
    try {
      const r = await preflight();
      expect(r.lines).toContain(`✓ digitalocean: clusterops' SSH key ${fingerprint} is registered ("clusterops", id ${key.id})`);
    } finally {
      await fetch(`${sim.endpoints().digitalocean}/account/keys/${key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${sim.credentials.digitalocean.token}` } });
    }
  });

  it('a wrong token or access key: exit 1, one ✗ line each, the provider\'s other checks not run', async () => {
    const r = await preflight([], { DIGITALOCEAN_TOKEN: 'dop_v1_wrong0000000000', AWS_ACCESS_KEY_ID: 'SIMAKIDWRONG0' });
    expect(r.code).toBe(1);
    expect(r.lines).toContain('✗ digitalocean: the token does not work: GET /v2/account answered HTTP 401 Unable to authenticate you.');
    expect(r.lines).toContain('- digitalocean: not checked (scopes, region, size, image, ssh-key, quota): token failed');
    expect(r.lines).toContain('✗ aws: the credentials do not work in us-east-1: AuthFailure: AWS was not able to validate the provided access credentials');
    expect(r.stdout).not.toContain('dop_v1_wrong0000000000');
    expect(r.lines.filter((l) => l.startsWith('✗ '))).toHaveLength(2);
  });

  it('a missing scope or IAM permission: the DigitalOcean scope by its read probe, RunInstances by its DryRun', async () => {
    const all = ['account:read', 'droplet:read', 'regions:read', 'sizes:read', 'image:read', 'actions:read', 'ssh_key:read', 'droplet:create', 'droplet:delete', 'tag:create'];
    sim.emulators.digitalocean.account.tokenScopes.set(sim.credentials.digitalocean.token, new Set(all.filter((s) => s !== 'droplet:read')));
    sim.emulators.aws.account.deniedActions.add('RunInstances');
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(r.lines).toContain('✗ digitalocean: the token lacks scope droplet:read (listing its droplets): GET /v2/droplets answered HTTP 403 You do not have access for the attempted action.');
    expect(r.lines).toContain('✗ aws: may not call RunInstances (with tags) in us-east-1: UnauthorizedOperation (DryRun)');
    expect(r.lines).toContain('✓ aws: may call TerminateInstances in us-east-1 (DryRun)');
  });

  it('a size, server type, instance type or image not offered where a manifest uses it: ✗ with the manifest line', async () => {
    sim.emulators.digitalocean.account.withdrawnSizes.add('sfo3', 's-2vcpu-2gb');
    sim.emulators.digitalocean.account.withdrawnImages.add('ubuntu-24-04-x64', 'sfo3');
    sim.emulators.hetzner.project.unavailableTypes.add('nbg1', 'cpx22');
    sim.emulators.aws.account.withdrawnTypes.add('us-east-1', 't3.large');
    sim.emulators.aws.account.images.get(SIMULATED_IMAGE_ID)!.regions.delete('us-east-1');
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(r.lines.filter((l) => l.startsWith('✗ ')).sort()).toEqual(
      [
        '✗ digitalocean: size s-2vcpu-2gb is not offered in sfo3 (clusters/production.yaml:15)',
        '✗ digitalocean: image ubuntu-24-04-x64 is not available in sfo3 (clusters/production.yaml:8)',
        '✗ hetzner: server type cpx22 is sold in nbg1 but not available there now (out of stock) (clusters/staging.yaml:12)',
        '✗ aws: instance type t3.large is not offered in us-east-1 (clusters/analytics.yaml:15)',
        `✗ aws: image ${SIMULATED_IMAGE_ID} does not exist in us-east-1 (InvalidAMIID.NotFound) (clusters/analytics.yaml:8)`,
      ].sort(),
    );
    expect(r.lines).toContain('✓ digitalocean: size s-4vcpu-8gb is offered in sfo3 (clusters/production.yaml:12)');
  });

  it('--format json: {ok, summary, checks[{subject, check, status, message, where?}]}', async () => {
    sim.emulators.digitalocean.account.withdrawnSizes.add('sfo3', 's-2vcpu-2gb');
    const r = await preflight(['--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; summary: Record<string, number>; checks: Record<string, unknown>[] };
    expect(report.ok).toBe(false);
    expect(Object.keys(report.summary).sort()).toEqual(['failed', 'passed', 'skipped']);
    expect(report.summary.failed).toBe(1);
    expect(report.summary.passed! + report.summary.failed! + report.summary.skipped!).toBe(report.checks.length);
    expect(report.checks).toContainEqual({ subject: 'digitalocean', check: 'size', status: 'fail', message: 'size s-2vcpu-2gb is not offered in sfo3', where: ['clusters/production.yaml:15'] });
    for (const c of report.checks) {
      expect(Object.keys(c).filter((k) => k !== 'where').sort()).toEqual(['check', 'message', 'status', 'subject']);
      expect(['pass', 'fail', 'skip']).toContain(c.status);
    }
    const usage = await preflight(['--format', 'xml']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--format must be one of text, json, not "xml"');
  });

  it('a provider a manifest uses without credentials fails; one nobody uses is not checked', async () => {
    const r = await preflight([], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    expect(r.code).toBe(1);
    expect(r.lines).toContain('✗ aws: no credentials are configured, but 1 manifest uses it: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or providers.aws.accessKeyIdFile and secretAccessKeyFile (clusters/analytics.yaml:7)');
    const local = join(temp, 'do-only');
    execFileSync('mkdir', ['-p', join(local, 'clusters')]);
    execFileSync('cp', [join(root, 'example-repo/clusters/production.yaml'), join(local, 'clusters/')]);
    const only = await preflight(['--local', local], { CLUSTEROPS_REPO: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    expect(only.code).toBe(0);
    expect(only.lines).toContain(`- git: not checked: --local reads the working tree ${local}; clusterops pushes nothing there`);
    expect(only.lines).toContain('- aws: not checked: no credentials are configured, and no manifest uses it');
    expect(only.lines).toContain(`✓ manifests: 1 cluster manifest valid in ${local}`);
  });

  describe('a remote that can be read but not written (git daemon without receive-pack, like a read-only deploy key)', () => {
    let daemon: ChildProcess;
    let url: string;
    beforeAll(async () => {
      const port = await freePort();
      daemon = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${dataDir}`, '--listen=127.0.0.1', `--port=${port}`, dataDir], { stdio: 'ignore' });
      await waitForPort(port);
      url = `git://127.0.0.1:${port}/remote.git`;
    });
    afterAll(() => {
      daemon.kill('SIGTERM');
    });

    it('reads it, and says it cannot push: exit 1', async () => {
      const r = await preflight([], { CLUSTEROPS_REPO: url });
      expect(r.code).toBe(1);
      expect(r.lines).toContainEqual(expect.stringMatching(new RegExp(`^✓ git: ${url} is reachable; branch main is at [0-9a-f]{7}$`)));
      expect(r.lines).toContainEqual(expect.stringMatching(new RegExp(`^✗ git: cannot push to ${url}: git push failed: .*(access denied|service not enabled).*\\(clusterops commits ids and status, and the API's writes, to branch main\\)$`)));
      expect(r.lines.filter((l) => l.startsWith('✗ '))).toHaveLength(1);
      expect(r.lines).toContainEqual(expect.stringMatching(/^✓ manifests: 3 cluster manifests valid/));
    });

    it('an unreachable remote or a missing branch fails the read and skips the rest', async () => {
      const gone = await preflight([], { CLUSTEROPS_REPO: join(temp, 'nothing-here.git') });
      expect(gone.code).toBe(1);
      expect(gone.lines).toContainEqual(expect.stringMatching(/^✗ git: cannot reach .*nothing-here\.git: git ls-remote failed: /));
      expect(gone.lines).toContain('- git: not checked (write): read failed');
      const branch = await preflight([], { CLUSTEROPS_REPO: url, CLUSTEROPS_BRANCH: 'nope' });
      expect(branch.lines).toContain(`✗ git: ${url} has no branch nope`);
    });
  });

  describe('with the GitHub integration on', () => {
    let github: GitHubEmulator;
    beforeAll(async () => {
      github = await startGitHubEmulator({ token: 'ghp_preflight_test_token', repos: { 'acme/clusters': { bareRepoPath: remote } } });
    });
    afterAll(async () => {
      // Only reads reached GitHub.
      expect(Object.keys(github.calls).sort()).toEqual(['repos.get', 'users.getAuthenticated']);
      await github.close();
    });
    const withGitHub = () => ({ CLUSTEROPS_GITHUB_REPO: 'acme/clusters', GITHUB_TOKEN: 'ghp_preflight_test_token', CLUSTEROPS_GITHUB_API_URL: github.url, CLUSTEROPS_WEBHOOK_SECRET: 'whsec-preflight-test' });

    it('checks the token, the repository and a classic token\'s scopes (X-OAuth-Scopes)', async () => {
      github.scopes = ['repo', 'read:org'];
      const ok = await preflight([], withGitHub());
      expect(ok.code).toBe(0);
      expect(ok.lines).toEqual(expect.arrayContaining(['✓ github: token works (user clusterops-bot)', '✓ github: repository acme/clusters is reachable (private)', '✓ github: classic token with scopes repo, read:org']));
      github.scopes = ['read:org'];
      const narrow = await preflight([], withGitHub());
      expect(narrow.code).toBe(1);
      expect(narrow.lines).toContain('✗ github: classic token with scopes read:org: it needs repo (the repository is private) to read pull requests and write comments and commit statuses');
      github.scopes = null;
      const fine = await preflight([], withGitHub());
      expect(fine.lines).toContainEqual(expect.stringMatching(/^- github: not checked: a fine-grained token's permissions cannot be read through the API; it needs Pull requests: Read and write/));
      const wrong = await preflight([], { ...withGitHub(), GITHUB_TOKEN: 'ghp_wrong_test_token' });
      expect(wrong.lines).toContain('✗ github: the token does not work: GET /user answered HTTP 401 Bad credentials');
      expect(wrong.stdout).not.toContain('ghp_');
    });
  });
});

function writes(sim: SimCloud): Record<string, string[]> {
  // The SSH-key test registers (and then deletes) a key itself, as a person would: not preflight's writes.
  const setUp = new Set(['POST ssh_keys.create', 'DELETE ssh_keys.delete']);
  const nonGet = (calls: Readonly<Record<string, number>>) => Object.keys(calls).filter((k) => !k.startsWith('GET ') && !setUp.has(k));
  return {
    digitalocean: nonGet(sim.emulators.digitalocean.calls()),
    hetzner: nonGet(sim.emulators.hetzner.calls()),
    aws: Object.keys(sim.emulators.aws.calls()).filter((k) => /^POST (RunInstances|TerminateInstances|CreateTags|StartInstances|StopInstances)$/.test(k)),
  };
}

function refsOf(bare: string): string {
  return execFileSync('git', ['--git-dir', bare, 'for-each-ref'], { encoding: 'utf8' });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`git daemon did not listen on ${port}`);
}
