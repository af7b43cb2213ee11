import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { createApiClient } from 'dots-wrapper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';

interface SimInfo {
  endpoints: { digitalocean: string; hetzner: string; aws: string };
  credentials: { digitalocean: { token: string }; hetzner: { token: string }; aws: { accessKeyId: string; secretAccessKey: string } };
}

// `clusterops sim` as a user runs it, and the unmodified client libraries pointed at it.
describe('clusterops sim with the real client libraries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterops-sim-'));
  const file = join(dir, 'sim.json');
  let proc: ChildProcess;
  let sim: SimInfo;
  let stdout = '';

  beforeAll(async () => {
    proc = spawn(process.execPath, [CLI, 'sim', '--boot-ms', '0', '--delete-ms', '0', '--write', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    for (let i = 0; i < 200 && !existsSync(file); i++) await sleep(50);
    sim = JSON.parse(readFileSync(file, 'utf8')) as SimInfo;
    for (let i = 0; i < 100 && !stdout.includes('aws'); i++) await sleep(20);
  });

  afterAll(() => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints each endpoint', () => {
    expect(stdout).toContain(`digitalocean ${sim.endpoints.digitalocean}`);
    expect(stdout).toContain(`hetzner      ${sim.endpoints.hetzner}`);
    expect(stdout).toContain(`aws          ${sim.endpoints.aws}`);
  });

  it('dots-wrapper creates, lists by tag across pages, and deletes droplets', async () => {
    const client = createApiClient({ token: sim.credentials.digitalocean.token, endpoint: sim.endpoints.digitalocean });
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      const { data } = await client.droplet.createDroplet({ name: `web-${i}`, region: 'sfo3', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', tags: ['team:web'] });
      ids.push(data.droplet.id);
    }
    await client.droplet.createDroplet({ name: 'other', region: 'sfo3', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', tags: ['team:db'] });
    const first = await client.droplet.listDroplets({ tag_name: 'team:web', per_page: 25, page: 1 });
    const second = await client.droplet.listDroplets({ tag_name: 'team:web', per_page: 25, page: 2 });
    expect(first.data.meta!.total).toBe(30);
    expect(first.data.droplets).toHaveLength(25);
    expect(second.data.droplets).toHaveLength(5);
    expect(first.data.links!.pages?.next).toContain('page=2');
    for (const id of ids) await client.droplet.deleteDroplet({ droplet_id: id });
    const after = await client.droplet.listDroplets({ tag_name: 'team:web', per_page: 25, page: 1 });
    expect(after.data.droplets.filter((d) => d.status !== 'off')).toEqual([]);
  });

  it('@aws-sdk/client-ec2 runs, describes by tag across pages, and terminates instances', async () => {
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint: sim.endpoints.aws, credentials: sim.credentials.aws });
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-0123456789abcdef0',
        InstanceType: 't3.small',
        MinCount: 12,
        MaxCount: 12,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'team', Value: 'web' }] }],
      }),
    );
    expect(run.Instances).toHaveLength(12);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 5 }, { Filters: [{ Name: 'tag:team', Values: ['web'] }] })) {
      pages += 1;
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) seen.push(i.InstanceId!);
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.sort()).toEqual(run.Instances!.map((i) => i.InstanceId!).sort());
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: seen }));
    const after = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:team', Values: ['web'] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] }));
    expect(after.Reservations ?? []).toEqual([]);
    ec2.destroy();
  });

  it('a Hetzner request shaped as in the public docs gets the documented response', async () => {
    const headers = { Authorization: `Bearer ${sim.credentials.hetzner.token}`, 'Content-Type': 'application/json' };
    const res = await fetch(`${sim.endpoints.hetzner}/servers`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'my-server', server_type: 'cpx22', image: 'ubuntu-24.04', location: 'nbg1', labels: { team: 'web' } }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown> & { server: Record<string, unknown> };
    expect(Object.keys(body).sort()).toEqual(['action', 'next_actions', 'root_password', 'server']);
    expect(body.server).toMatchObject({ name: 'my-server', labels: { team: 'web' }, server_type: { name: 'cpx22' }, location: { name: 'nbg1' } });
    expect(body.server).not.toHaveProperty('datacenter');
    expect(res.headers.get('ratelimit-limit')).toBe('3600');
    const list = await fetch(`${sim.endpoints.hetzner}/servers?label_selector=team%3Dweb`, { headers });
    const listed = (await list.json()) as { servers: { name: string }[]; meta: { pagination: { total_entries: number } } };
    expect(listed.servers.map((s) => s.name)).toEqual(['my-server']);
    expect(listed.meta.pagination.total_entries).toBe(1);
    const dup = await fetch(`${sim.endpoints.hetzner}/servers`, { method: 'POST', headers, body: JSON.stringify({ name: 'my-server', server_type: 'cpx22', image: 'ubuntu-24.04' }) });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as { error: { code: string } }).error.code).toBe('uniqueness_error');
  });

  it('serves the admin routes, and stops cleanly on SIGTERM', async () => {
    const origin = new URL(sim.endpoints.digitalocean).origin;
    expect((await fetch(`${origin}/__sim/state`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${origin}/__sim/state`)).rejects.toThrow();
  });
});
