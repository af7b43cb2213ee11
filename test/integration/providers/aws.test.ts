import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { lookupSize } from '../../../src/domain/catalogue/catalogue.js';
import { CallCounter } from '../../../src/providers/call-counter.js';
import { createAwsAdapter } from '../../../src/providers/aws/index.js';
import { TAG } from '../../../src/providers/ownership.js';
import { StalledError, TransientError } from '../../../src/reconcile/errors.js';
import { ManualClock, systemClock } from '../../../src/sim/common/clock.js';
import type { RunningEmulator } from '../../../src/sim/common/types.js';
import { startAwsEmulator, type AwsEmulatorOptions } from '../../../src/sim/aws/index.js';
import { startSimCloud } from '../../../src/sim/cloud.js';
import { OWNER, describeProviderContract, ownedTags, request, type ContractHarness } from './contract.js';

const ACCESS_KEY = 'AKIDCLUSTEROPSTEST01';
const SECRET_KEY = 'sim-secret-key-not-real';
const REGION = 'us-east-1';
const size = (plan: Parameters<typeof lookupSize>[2]) => {
  const found = lookupSize('aws', REGION, plan);
  if (!found.ok) throw new Error(found.message);
  return found.size.size;
};

interface AwsHarness extends ContractHarness {
  clock: ManualClock;
}

/** A real emulator on loopback, driven by a ManualClock: boots and deletes take 1 s of simulated time. */
async function awsHarness(extra: Partial<AwsEmulatorOptions> = {}): Promise<AwsHarness> {
  const clock = new ManualClock();
  const counter = new CallCounter();
  const emulator = await startAwsEmulator({ credentials: [ACCESS_KEY], clock, bootMs: 1000, deleteMs: 1000, rateLimitScale: 10, ...extra });
  return {
    provider: 'aws',
    emulator,
    clock,
    region: REGION,
    otherRegion: 'eu-west-1',
    counter,
    adapter: (o = {}) =>
      createAwsAdapter({
        ownerId: o.ownerId ?? OWNER,
        endpoint: emulator.endpoint,
        recorder: counter,
        accessKeyId: o.credential ?? ACCESS_KEY,
        secretAccessKey: SECRET_KEY,
        ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      }),
    size,
    ops: { create: 'RunInstances', list: 'DescribeInstances', delete: 'TerminateInstances' },
    listCallsFor: (n) => Math.max(1, Math.ceil(n / 1000)),
    settle: async () => clock.advance(60_000),
    close: () => emulator.close(),
  };
}

describeProviderContract('aws', () => awsHarness());

/** The SDK as any EC2 user would build it; one attempt unless told, so errors surface as EC2 sent them. */
function sdk(emulator: RunningEmulator, maxAttempts = 1, region = REGION): EC2Client {
  return new EC2Client({ region, endpoint: emulator.endpoint, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }, maxAttempts });
}

function launchInput(over: Partial<RunInstancesCommandInput> = {}): RunInstancesCommandInput {
  return {
    ImageId: 'ami-0123456789abcdef0',
    InstanceType: 't3.small',
    MinCount: 1,
    MaxCount: 1,
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web-1' }, { Key: 'env', Value: 'prod' }] }],
    ...over,
  };
}

/** The EC2 error code a call fails with (the SDK puts it in `name`), and its HTTP status. */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  const err = (await p.then(
    () => expect.fail('expected the call to fail'),
    (e: unknown) => e,
  )) as { name: string; $metadata?: { httpStatusCode?: number } };
  return { code: err.name, status: err.$metadata?.httpStatusCode };
}

describe('EC2 emulator through @aws-sdk/client-ec2', () => {
  let h: AwsHarness;
  afterEach(async () => {
    await h.close();
  });

  it('launches with TagSpecification tags, pending then running, grouped by reservation', async () => {
    h = await awsHarness();
    const ec2 = sdk(h.emulator);
    const one = await ec2.send(new RunInstancesCommand(launchInput()));
    expect(one.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(one.Instances?.[0]).toMatchObject({ State: { Code: 0, Name: 'pending' }, InstanceType: 't3.small', Placement: { AvailabilityZone: 'us-east-1a' } });
    expect(h.emulator.vms()).toEqual([expect.objectContaining({ id: one.Instances![0]!.InstanceId, name: 'web-1', region: REGION, status: 'pending', tags: { Name: 'web-1', env: 'prod' } })]);
    const three = await ec2.send(new RunInstancesCommand(launchInput({ MinCount: 3, MaxCount: 3 })));
    h.clock.advance(1000);
    const described = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:env', Values: ['pr*'] }] }));
    expect(described.Reservations?.map((r) => [r.ReservationId, r.Instances?.length])).toEqual([
      [one.ReservationId, 1],
      [three.ReservationId, 3],
    ]);
    const running = described.Reservations!.flatMap((r) => r.Instances!);
    expect(running.every((i) => i.State?.Name === 'running' && /^\d+\.\d+\.\d+\.\d+$/.test(i.PublicIpAddress ?? ''))).toBe(true);
    expect(h.emulator.vms().map((v) => v.status)).toEqual(['running', 'running', 'running', 'running']);
    await ec2.send(new CreateTagsCommand({ Resources: [one.Instances![0]!.InstanceId!], Tags: [{ Key: 'team', Value: 'core' }] }));
    expect(h.emulator.vms()[0]?.tags).toEqual({ Name: 'web-1', env: 'prod', team: 'core' });
  });

  it('deduplicates by ClientToken, and refuses the same token with other parameters', async () => {
    h = await awsHarness();
    const ec2 = sdk(h.emulator);
    const first = await ec2.send(new RunInstancesCommand(launchInput({ ClientToken: 'tok-1' })));
    const again = await ec2.send(new RunInstancesCommand(launchInput({ ClientToken: 'tok-1' })));
    expect(again.ReservationId).toBe(first.ReservationId);
    expect(again.Instances?.[0]?.InstanceId).toBe(first.Instances?.[0]?.InstanceId);
    expect(again.Instances?.[0]?.ClientToken).toBe('tok-1');
    expect(await failure(ec2.send(new RunInstancesCommand(launchInput({ ClientToken: 'tok-1', InstanceType: 't3.large' }))))).toEqual({ code: 'IdempotentParameterMismatch', status: 400 });
    expect(h.emulator.vms()).toHaveLength(1);
    await ec2.send(new RunInstancesCommand(launchInput({ ClientToken: 'tok-2' })));
    expect(h.emulator.vms()).toHaveLength(2);
  });

  it('wants UserData in base64, at most 16 KB decoded; the adapter encodes it', async () => {
    h = await awsHarness();
    const ec2 = sdk(h.emulator);
    // Real EC2 answers InvalidUserData.Malformed here (reference §3.3), not InvalidParameterValue.
    expect(await failure(ec2.send(new RunInstancesCommand(launchInput({ UserData: '#cloud-config\nruncmd: []' }))))).toEqual({ code: 'InvalidUserData.Malformed', status: 400 });
    const tooBig = Buffer.alloc(16 * 1024 + 1, 'a').toString('base64');
    expect((await failure(ec2.send(new RunInstancesCommand(launchInput({ UserData: tooBig }))))).code).toBe('InvalidParameterValue');
    expect(h.emulator.vms()).toHaveLength(0);
    await ec2.send(new RunInstancesCommand(launchInput({ UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64') })));
    const r = request(h, { userData: '#cloud-config\nruncmd: [echo hi]\n', sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE test@host' });
    await h.adapter().create(r);
    expect(h.emulator.vms().map((v) => v.tags[TAG.node])).toEqual([undefined, r.nodeId]);
  });

  it('paginates DescribeInstances with MaxResults and NextToken, and validates MaxResults', async () => {
    h = await awsHarness();
    for (let i = 0; i < 12; i++) h.emulator.seedVm({ region: REGION, size: 't3.small', name: `vm-${i}`, tags: ownedTags(h, `node_${100 + i}`) });
    h.emulator.seedVm({ region: REGION, size: 't3.small', name: 'untagged', tags: {} });
    const ec2 = sdk(h.emulator);
    const pages: number[] = [];
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: [TAG.owner] }], MaxResults: 5, NextToken }));
      const ids = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!);
      pages.push(ids.length);
      seen.push(...ids);
      NextToken = page.NextToken;
    } while (NextToken);
    expect(pages).toEqual([5, 5, 2]);
    expect(new Set(seen).size).toBe(12);
    const id = seen[0]!;
    expect(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id], MaxResults: 5 })))).toEqual({ code: 'InvalidParameterCombination', status: 400 });
    expect((await failure(ec2.send(new DescribeInstancesCommand({ MaxResults: 4 })))).code).toBe('InvalidParameterValue');
    expect((await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000dead'] })))).code).toBe('InvalidInstanceID.NotFound');
  });

  it('keeps a terminated instance visible as terminated for a while, out of vms(), calls the hooks once, and terminating twice is fine', async () => {
    const created: string[] = [];
    const deleted: string[] = [];
    h = await awsHarness({ terminatedVisibleMs: 10_000, hooks: { created: (vm) => created.push(vm.id), deleted: (vm) => deleted.push(vm.id) } });
    const ec2 = sdk(h.emulator);
    const id = (await ec2.send(new RunInstancesCommand(launchInput()))).Instances![0]!.InstanceId!;
    expect(created).toEqual([id]);
    h.clock.advance(1000);
    const change = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(change.TerminatingInstances?.[0]).toMatchObject({ InstanceId: id, PreviousState: { Code: 16, Name: 'running' }, CurrentState: { Code: 32, Name: 'shutting-down' } });
    expect(h.emulator.vms().map((v) => v.status)).toEqual(['shutting-down']);
    expect(deleted).toEqual([]);
    h.clock.advance(1000);
    expect(h.emulator.vms()).toEqual([]);
    expect(deleted).toEqual([id]);
    const gone = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(gone.Reservations?.[0]?.Instances?.[0]?.State).toEqual({ Code: 48, Name: 'terminated' });
    const terminated = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['terminated'] }] }));
    expect(terminated.Reservations?.flatMap((r) => r.Instances!).map((i) => i.InstanceId)).toEqual([id]);
    const twice = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(twice.TerminatingInstances?.[0]?.CurrentState?.Name).toBe('terminated');
    expect(deleted).toEqual([id]);
    h.clock.advance(10_000);
    expect((await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })))).code).toBe('InvalidInstanceID.NotFound');
  });

  it('throttles RunInstances with 503 RequestLimitExceeded; the SDK retries, every attempt is counted, nothing is duplicated', async () => {
    h = await awsHarness({ rateLimitScale: 0.2 }); // RunInstances bucket: 1 call, refill 0.4/s
    const ec2 = sdk(h.emulator);
    await ec2.send(new RunInstancesCommand(launchInput()));
    expect(await failure(ec2.send(new RunInstancesCommand(launchInput())))).toEqual({ code: 'RequestLimitExceeded', status: 503 });
    h.counter.reset();
    const r = request(h);
    const err = await h.adapter().create(r).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).reason).toBe('RateLimited');
    expect(h.counter.count({ operation: 'RunInstances', status: 503 })).toBe(2);
    expect(h.emulator.vms()).toHaveLength(1);
    h.clock.advance(3000);
    const vm = await h.adapter().create(r);
    expect(h.emulator.vms().filter((v) => v.tags[TAG.node] === r.nodeId).map((v) => v.id)).toEqual([vm.providerId]);
  });

  it('keeps to EC2’s documented RunInstances bucket: twelve creates at once are never throttled', async () => {
    const sim = await startSimCloud();
    try {
      const counter = new CallCounter();
      const adapter = createAwsAdapter({ ownerId: OWNER, endpoint: sim.endpoints().aws, recorder: counter, accessKeyId: sim.credentials.aws.accessKeyId, secretAccessKey: sim.credentials.aws.secretAccessKey });
      const requests = Array.from({ length: 12 }, (_, i) => ({ ...request({ region: REGION, size } as unknown as ContractHarness), nodeId: `node_${String(i + 1).padStart(3, '0')}` }));
      await Promise.all(requests.map((r) => adapter.create(r)));
      expect(sim.emulators.aws.vms().map((v) => v.tags[TAG.node]).sort()).toEqual(requests.map((r) => r.nodeId));
      expect(counter.count({ operation: 'RunInstances' })).toBe(12);
      expect(counter.calls.filter((c) => c.status !== 200)).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it('hides a new instance during the consistency window; the adapter neither fails nor duplicates', async () => {
    h = await awsHarness({ consistencyMs: 5000 });
    const adapter = h.adapter();
    const r = request(h);
    const vm = await adapter.create(r);
    const ec2 = sdk(h.emulator);
    expect((await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: [vm.providerId] })))).code).toBe('InvalidInstanceID.NotFound');
    expect((await failure(ec2.send(new CreateTagsCommand({ Resources: [vm.providerId], Tags: [{ Key: 'k', Value: 'v' }] })))).code).toBe('InvalidInstanceID.NotFound');
    expect(await adapter.observe([REGION])).toEqual([]);
    // The reconciler, not seeing it, creates again with the journaled token: EC2 answers the same instance.
    expect((await adapter.create(r)).providerId).toBe(vm.providerId);
    // Delete cannot tell "not yet visible" from "gone": NotFound is success, and nothing is terminated.
    await adapter.delete(vm);
    expect(h.emulator.vms().map((v) => [v.id, v.status])).toEqual([[vm.providerId, 'pending']]);
    h.clock.advance(5000);
    const seen = await adapter.observe([REGION]);
    expect(seen.map((v) => v.providerId)).toEqual([vm.providerId]);
    await adapter.delete(seen[0]!);
    await h.settle();
    expect(h.emulator.vms()).toEqual([]);
  });

  it('satisfies the SDK waiter waitUntilInstanceRunning, through NotFound while not yet consistent', async () => {
    h = await awsHarness({ clock: systemClock, bootMs: 300, consistencyMs: 150 });
    const ec2 = sdk(h.emulator);
    const id = (await ec2.send(new RunInstancesCommand(launchInput()))).Instances![0]!.InstanceId!;
    const result = await waitUntilInstanceRunning({ client: ec2, minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 5 }, { InstanceIds: [id] });
    expect(result.state).toBe('SUCCESS');
    expect(h.emulator.vms().map((v) => v.status)).toEqual(['running']);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await expect(waitUntilInstanceRunning({ client: ec2, minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 5 }, { InstanceIds: [id] })).rejects.toThrow();
  });

  it('refuses unknown access keys and Regions outside the catalogue as AuthFailure', async () => {
    h = await awsHarness();
    expect(await failure(sdk(h.emulator, 1, 'xx-nowhere-1').send(new DescribeInstancesCommand({})))).toEqual({ code: 'AuthFailure', status: 401 });
    const stranger = new EC2Client({ region: REGION, endpoint: h.emulator.endpoint, credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' }, maxAttempts: 1 });
    expect(await failure(stranger.send(new DescribeInstancesCommand({})))).toEqual({ code: 'AuthFailure', status: 401 });
  });

  it('stalls with QuotaExceeded past the instance limit, launching nothing', async () => {
    h = await awsHarness({ instanceLimit: 1 });
    await h.adapter().create(request(h));
    const err = await h.adapter().create(request(h)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).reason).toBe('QuotaExceeded');
    expect(h.emulator.vms()).toHaveLength(1);
  });
});
