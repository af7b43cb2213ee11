import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  type EC2Client,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { StalledError } from '../../reconcile/errors.js';
import { OWNER_ID, REQUEST_TOKEN, TAG, ownershipTags, readOwnership, vmName } from '../ownership.js';
import type { AdapterOptions, CreateVmRequest, ObservedVm, ProviderAdapter } from '../types.js';
import { classifyEc2Error } from './classify.js';
import { createEc2Clients, type Ec2ClientSettings } from './client.js';
import { tagsOf, toObservedVm } from './observed-vm.js';
import { encodeUserData } from './user-data.js';

/** What the AWS adapter needs: the common options, an access key, and its side effects. */
export interface AwsAdapterConfig extends AdapterOptions, Pick<Ec2ClientSettings, 'makeClient' | 'now'> {
  accessKeyId: string;
  secretAccessKey: string;
  /** The AMI to launch; AMI ids differ per Region, so a function may choose. Defaults to an id the simulated cloud accepts. */
  imageId?: string | ((region: string) => string);
  /** SDK attempts per call, the first included (default 2): the controller does the longer backoff. */
  maxAttempts?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const SIMULATED_IMAGE_ID = 'ami-0c0ffee0c0ffee000';
/** Everything but `terminated`: observe must still see instances that are shutting down. */
const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];
const PAGE_SIZE = 1000;

/**
 * AWS EC2 behind the ProviderAdapter contract, through `@aws-sdk/client-ec2` (one client per
 * Region). Idempotency comes from EC2 itself: `ClientToken` = the request token, so a retry (by
 * the SDK, the controller, or a new process) answers the instance the first call launched.
 */
export function createAwsAdapter(config: AwsAdapterConfig): ProviderAdapter {
  if (!OWNER_ID.test(config.ownerId)) throw new Error(`owner id "${config.ownerId}" is not a valid tag value`);
  const clientFor = createEc2Clients({
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxAttempts: config.maxAttempts ?? 2,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.recorder ? { recorder: config.recorder } : {}),
    ...(config.makeClient ? { makeClient: config.makeClient } : {}),
    ...(config.now ? { now: config.now } : {}),
  });
  const secrets = [config.secretAccessKey, config.accessKeyId];
  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw classifyEc2Error(err, operation, secrets);
    }
  };
  const { ownerId } = config;
  const imageFor = (region: string) => (typeof config.imageId === 'function' ? config.imageId(region) : config.imageId ?? SIMULATED_IMAGE_ID);

  return {
    provider: 'aws',
    async observe(regions) {
      const perRegion = await Promise.all([...new Set(regions)].map((r) => call('DescribeInstances', () => observeRegion(clientFor(r), r, ownerId))));
      return perRegion.flat();
    },
    async create(req) {
      const input = runInstancesInput(req, ownerId, imageFor(req.region));
      // The answer is authoritative: a Describe right after launch may not see the instance yet.
      const out = await call('RunInstances', () => clientFor(req.region).send(new RunInstancesCommand(input)));
      const instance = out.Instances?.[0];
      const vm = instance && toObservedVm(instance, req.region, ownerId);
      if (!vm) throw new StalledError('InvalidResponse', `EC2 RunInstances answered without the instance it launched for ${req.nodeId}`);
      return vm;
    },
    async delete(vm) {
      const client = clientFor(vm.region);
      const instance = await call('DescribeInstances', () => describeOne(client, vm.providerId));
      if (!instance) return;
      if (tagsOf(instance)[TAG.owner] !== ownerId) {
        throw new StalledError('NotOwned', `EC2 instance ${vm.providerId} is not owned by this clusterops instance; not terminating it`);
      }
      if (instance.State?.Name === 'terminated' || instance.State?.Name === 'shutting-down') return;
      await call('TerminateInstances', () => ignoreNotFound(client.send(new TerminateInstancesCommand({ InstanceIds: [vm.providerId] }))));
    },
    async get(vm) {
      if (!/^i-[0-9a-f]{8,17}$/.test(vm.providerId)) throw new StalledError('InvalidRequest', `"${vm.providerId}" is not an EC2 instance id`);
      const instance = await call('DescribeInstances', () => describeOne(clientFor(vm.region), vm.providerId));
      return instance && instance.State?.Name !== 'terminated' ? toObservedVm(instance, vm.region, ownerId) : null;
    },
  };
}

/** One paginated DescribeInstances by owner tag, following every NextToken. */
async function observeRegion(client: EC2Client, region: string, ownerId: string): Promise<ObservedVm[]> {
  const filters = [
    { Name: `tag:${TAG.owner}`, Values: [ownerId] },
    { Name: 'instance-state-name', Values: LIVE_STATES },
  ];
  const found: ObservedVm[] = [];
  for await (const page of paginateDescribeInstances({ client, pageSize: PAGE_SIZE }, { Filters: filters })) {
    for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const vm = toObservedVm(instance, region, ownerId);
      if (vm) found.push(vm);
    }
  }
  return found;
}

/**
 * The instance with this id, or undefined when EC2 does not know it. Right after a launch EC2 may
 * not know it yet (eventual consistency); delete then reports success and the next observe, once
 * the instance shows, lets the reconciler delete it for real.
 */
async function describeOne(client: EC2Client, instanceId: string): Promise<Instance | undefined> {
  const out = await ignoreNotFound(client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })));
  return out?.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
}

async function ignoreNotFound<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (err) {
    if ((err as { name?: unknown }).name === 'InvalidInstanceID.NotFound') return undefined;
    throw err;
  }
}

function runInstancesInput(req: CreateVmRequest, ownerId: string, imageId: string): RunInstancesCommandInput {
  if (!REQUEST_TOKEN.test(req.requestToken)) throw new StalledError('InvalidRequest', 'request token must be 1–63 characters of [A-Za-z0-9._-]');
  const tags = ownershipTags(ownerId, req);
  if (!readOwnership(tags, ownerId)) throw new StalledError('InvalidRequest', `role "${req.role}" or plan "${req.plan}" is not valid`);
  const userData = encodeUserData(req.userData, req.sshPublicKey);
  if (typeof userData === 'string') throw new StalledError('InvalidRequest', userData);
  return {
    ImageId: imageId,
    InstanceType: req.size as RunInstancesCommandInput['InstanceType'],
    MinCount: 1,
    MaxCount: 1,
    ClientToken: req.requestToken,
    TagSpecifications: [{ ResourceType: 'instance', Tags: Object.entries({ ...tags, Name: vmName(req, ownerId) }).map(([Key, Value]) => ({ Key, Value })) }],
    ...(userData.userData !== undefined ? { UserData: userData.userData } : {}),
  };
}
