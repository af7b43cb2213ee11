import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKeyPair } from '../../../src/orchestrators/ssh/keys.js';
import { md5Fingerprint } from '../../../src/preflight/context.js';
import { SIMULATED_IMAGE_ID } from '../../../src/providers/aws/adapter.js';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';

// The simulated accounts refuse writes the way the real ones do, so what preflight reports is
// also what the daemon would meet.
describe('the simulated accounts', () => {
  let sim: SimCloud;
  beforeAll(async () => {
    sim = await startSimCloud();
  });
  afterAll(async () => {
    await sim.close();
  });

  const doCreate = (body: Record<string, unknown>) =>
    fetch(`${sim.endpoints().digitalocean}/droplets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.credentials.digitalocean.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'web-1', region: 'sfo3', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', ...body }),
    });

  it('DigitalOcean: a custom-scoped token needs tag:create to tag a droplet; a withdrawn size or image is refused in its region', async () => {
    const account = sim.emulators.digitalocean.account;
    account.tokenScopes.set(sim.credentials.digitalocean.token, new Set(['droplet:create', 'droplet:read']));
    const tagged = await doCreate({ tags: ['team:web'] });
    expect([tagged.status, ((await tagged.json()) as { id: string }).id]).toEqual([403, 'forbidden']);
    account.tokenScopes.clear();
    account.withdrawnSizes.add('sfo3', 's-1vcpu-1gb');
    const size = await doCreate({});
    expect([size.status, ((await size.json()) as { message: string }).message]).toEqual([422, 'Size s-1vcpu-1gb is not available in region sfo3.']);
    account.withdrawnSizes.clear();
    account.withdrawnImages.add('ubuntu-24-04-x64', 'sfo3');
    const image = await doCreate({});
    expect([image.status, ((await image.json()) as { message: string }).message]).toEqual([422, 'Image ubuntu-24-04-x64 is not available in region sfo3.']);
    account.withdrawnImages.clear();
    expect(sim.emulators.digitalocean.vms()).toEqual([]);
  });

  it('Hetzner: a "Read" token may GET but not create (token_readonly); an out-of-stock type is resource_unavailable', async () => {
    const token = sim.credentials.hetzner.token;
    const create = () =>
      fetch(`${sim.endpoints().hetzner}/servers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'web-1', server_type: 'cpx22', location: 'nbg1', image: 'ubuntu-24.04' }),
      });
    sim.emulators.hetzner.project.readOnlyTokens.add(token);
    expect((await fetch(`${sim.endpoints().hetzner}/servers`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const readOnly = await create();
    expect([readOnly.status, ((await readOnly.json()) as { error: { code: string } }).error.code]).toEqual([401, 'token_readonly']);
    sim.emulators.hetzner.project.readOnlyTokens.clear();
    sim.emulators.hetzner.project.unavailableTypes.add('nbg1', 'cpx22');
    const stock = await create();
    expect([stock.status, ((await stock.json()) as { error: { code: string } }).error.code]).toEqual([412, 'resource_unavailable']);
    sim.emulators.hetzner.project.unavailableTypes.clear();
    expect(sim.emulators.hetzner.vms()).toEqual([]);
  });

  it('EC2: an action IAM denies is UnauthorizedOperation with or without DryRun; a withdrawn type is Unsupported', async () => {
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint: sim.endpoints().aws, credentials: sim.credentials.aws, maxAttempts: 1 });
    const run = (DryRun?: boolean) => ec2.send(new RunInstancesCommand({ ImageId: SIMULATED_IMAGE_ID, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, ...(DryRun ? { DryRun } : {}) })).then(() => 'launched', (e: Error) => e.name);
    sim.emulators.aws.account.deniedActions.add('RunInstances');
    expect([await run(true), await run()]).toEqual(['UnauthorizedOperation', 'UnauthorizedOperation']);
    sim.emulators.aws.account.deniedActions.clear();
    expect(await run(true)).toBe('DryRunOperation');
    sim.emulators.aws.account.withdrawnTypes.add('us-east-1', 't3.micro');
    expect(await run()).toBe('Unsupported');
    expect(sim.emulators.aws.vms()).toEqual([]);
    expect(sim.emulators.aws.calls()).toMatchObject({ 'POST RunInstances DryRun': 2, 'POST RunInstances': 2 });
    ec2.destroy();
  });
});

describe('md5Fingerprint', () => {
  it('is what ssh-keygen -E md5 prints, the form DigitalOcean and Hetzner look keys up by', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterops-fp-'));
    try {
      const { publicKey } = await ensureKeyPair(dir);
      const out = execFileSync('ssh-keygen', ['-E', 'md5', '-lf', join(dir, 'ssh', 'id_ed25519.pub')], { encoding: 'utf8' });
      expect(`MD5:${md5Fingerprint(publicKey)}`).toBe(out.split(' ')[1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
