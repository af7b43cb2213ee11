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
    // The SDK smoke checks list right after creating: no listing lag (it is on by default, 1 s).
    proc = spawn(process.execPath, [CLI, 'sim', '--boot-ms', '0', '--delete-ms', '0', '--listing-lag-ms', '0', '--write', file], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    // 31 droplets: past the default droplet limit (25), raised as an account owner would ask DigitalOcean to.
    const raised = await fetch(`${new URL(sim.endpoints.digitalocean).origin}/__sim/limits`, { method: 'PUT', body: JSON.stringify({ dropletLimit: 50 }) });
    expect(raised.status).toBe(200);
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

// `clusterops sim --state FILE`: the standalone cloud keeps its VMs and credentials across restarts.
describe('clusterops sim --state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterops-sim-state-'));
  const state = join(dir, 'sim-state.json');
  const info = join(dir, 'sim.json');
  const procs: ChildProcess[] = [];

  const startSim = async (): Promise<{ proc: ChildProcess; sim: SimInfo }> => {
    rmSync(info, { force: true });
    const proc = spawn(process.execPath, [CLI, 'sim', '--boot-ms', '0', '--delete-ms', '0', '--listing-lag-ms', '0', '--write', info, '--state', state], { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(proc);
    for (let i = 0; i < 200 && !existsSync(info); i++) await sleep(50);
    return { proc, sim: JSON.parse(readFileSync(info, 'utf8')) as SimInfo };
  };
  const stop = (proc: ChildProcess, signal: NodeJS.Signals) => {
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill(signal);
    return exited;
  };
  /** Every VM of the three emulators as `provider:id@ip`, read through the real clients. */
  const vms = async (sim: SimInfo): Promise<string[]> => {
    const droplets = await createApiClient({ token: sim.credentials.digitalocean.token, endpoint: sim.endpoints.digitalocean }).droplet.listDroplets({ per_page: 200 });
    const res = await fetch(`${sim.endpoints.hetzner}/servers`, { headers: { Authorization: `Bearer ${sim.credentials.hetzner.token}` } });
    const servers = ((await res.json()) as { servers: { id: number; public_net: { ipv4: { ip: string } } }[] }).servers;
    // A copy: the SDK marks the credentials object it is given.
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint: sim.endpoints.aws, credentials: { ...sim.credentials.aws } });
    const described = await ec2.send(new DescribeInstancesCommand({}));
    ec2.destroy();
    return [
      ...droplets.data.droplets.map((d) => `do:${d.id}@${d.networks.v4.find((n) => n.type === 'public')?.ip_address}`),
      ...servers.map((s) => `hz:${s.id}@${s.public_net.ipv4.ip}`),
      ...(described.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => `ec2:${i.InstanceId}@${i.PublicIpAddress}:${i.State?.Name}`),
    ].sort();
  };

  afterAll(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes its VMs, addresses and credentials after SIGKILL and after SIGTERM', async () => {
    const first = await startSim();
    const client = createApiClient({ token: first.sim.credentials.digitalocean.token, endpoint: first.sim.endpoints.digitalocean });
    await client.droplet.createDroplet({ name: 'web-1', region: 'sfo3', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', tags: ['team:web'] });
    await fetch(`${first.sim.endpoints.hetzner}/servers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${first.sim.credentials.hetzner.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'db-1', server_type: 'cpx22', image: 'ubuntu-24.04', location: 'nbg1' }),
    });
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint: first.sim.endpoints.aws, credentials: { ...first.sim.credentials.aws } });
    await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.small', MinCount: 2, MaxCount: 2 }));
    ec2.destroy();
    const before = await vms(first.sim);
    expect(before).toHaveLength(4);
    // Killed right after the answers: what the cloud answered is on disk already.
    await stop(first.proc, 'SIGKILL');

    const second = await startSim();
    expect(second.sim.credentials).toEqual(first.sim.credentials);
    expect(await vms(second.sim)).toEqual(before);
    expect(await stop(second.proc, 'SIGTERM')).toBe(0);

    const third = await startSim();
    expect(await vms(third.sim)).toEqual(before);
    const origin = new URL(third.sim.endpoints.digitalocean).origin;
    expect(await (await fetch(`${origin}/__sim/requests`)).json()).toEqual({ operations: { 'droplets.list': 1 }, writes: 0 });
    expect(await stop(third.proc, 'SIGTERM')).toBe(0);
  });
});
