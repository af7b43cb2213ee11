import {
  DescribeAccountAttributesCommand,
  DescribeImagesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeRegionsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  type EC2Client,
  type Region,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { TAG } from '../providers/ownership.js';
import { memo, type ProviderContext } from './context.js';
import { check, type CheckResult, type CheckSuite, type PreflightCheck, type Reporter } from './types.js';
import { sizesUsed } from './usage.js';

/** An AWS suite's context: the common one, an EC2 client per Region, and the Region listing. */
export interface AwsContext extends ProviderContext {
  clientFor(region: string): EC2Client;
  /** Where account-wide calls go: the first Region a manifest uses, else us-east-1. */
  homeRegion: string;
  regions(): Promise<Region[]>;
}

const SUBJECT = 'aws';
/** A well-formed id no instance has: TerminateInstances DryRun needs one to say whether it is allowed. */
const NO_INSTANCE = 'i-00000000000000000';

export function awsSuite(base: ProviderContext, clientFor: (region: string) => EC2Client, checks: readonly PreflightCheck<AwsContext>[] = AWS_CHECKS): CheckSuite<AwsContext> {
  const homeRegion = [...base.usage.regions.keys()][0] ?? 'us-east-1';
  const context: AwsContext = {
    ...base,
    clientFor,
    homeRegion,
    regions: memo(async () => (await clientFor(homeRegion).send(new DescribeRegionsCommand({ AllRegions: true }))).Regions ?? []),
  };
  return { subject: SUBJECT, context, gate: credentialsCheck, checks };
}

/** The EC2 error code of an SDK failure (`AuthFailure`, `UnauthorizedOperation` …). */
function codeOf(err: unknown): string {
  return (err as { name?: string }).name ?? 'Error';
}

function describe(err: unknown): string {
  return `${codeOf(err)}: ${(err as Error).message ?? String(err)}`;
}

const credentialsCheck = check<AwsContext>(SUBJECT, 'credentials', async (ctx, r) => {
  try {
    await ctx.regions();
    return [r.pass(`credentials work (DescribeRegions in ${ctx.homeRegion})`)];
  } catch (err) {
    // Valid keys that may not list Regions: the other checks still tell what they may do.
    if (codeOf(err) === 'UnauthorizedOperation') return [r.pass(`credentials work (they may not DescribeRegions in ${ctx.homeRegion})`)];
    return [r.fail(`the credentials do not work in ${ctx.homeRegion}: ${describe(err)}`)];
  }
});

const regionsCheck = check<AwsContext>(SUBJECT, 'region', async (ctx, r) => {
  if (ctx.usage.regions.size === 0) return [];
  let regions: Region[];
  try {
    regions = await ctx.regions();
  } catch (err) {
    return [r.skip(`not checked: cannot list Regions (${describe(err)})`)];
  }
  return [...ctx.usage.regions].map(([name, where]) => {
    const region = regions.find((x) => x.RegionName === name);
    if (!region) return r.fail(`region ${name} is not a Region of this account's partition`, where);
    if (region.OptInStatus === 'not-opted-in') return r.fail(`region ${name} is an opt-in Region this account has not enabled (enable it under Account → AWS Regions)`, where);
    return r.pass(`region ${name} is enabled (${region.OptInStatus ?? 'opt-in-not-required'})`, where);
  });
});

/**
 * Runs a read per Region, concurrently; a Region that is not enabled or not allowed becomes one
 * line (pointing at the manifests that name it) instead of a throw.
 */
async function eachRegion<T>(ctx: AwsContext, r: Reporter, entries: Iterable<[string, T]>, read: (region: string, value: T, client: EC2Client) => Promise<CheckResult[]>): Promise<CheckResult[]> {
  const one = async ([region, value]: [string, T]): Promise<CheckResult[]> => {
    const where = ctx.usage.regions.get(region);
    try {
      return await read(region, value, ctx.clientFor(region));
    } catch (err) {
      if (codeOf(err) === 'OptInRequired') return [r.skip(`not checked in ${region}: the Region is not enabled`, where)];
      if (codeOf(err) === 'UnauthorizedOperation') return [r.fail(`not allowed in ${region}: ${describe(err)}`, where)];
      return [r.fail(`in ${region}: ${describe(err)}`, where)];
    }
  };
  return (await Promise.all([...entries].map(one))).flat();
}

const instanceTypesCheck = check<AwsContext>(SUBJECT, 'instance-type', async (ctx, r) => {
  const byRegion = new Map<string, { size: string; where: string[] }[]>();
  for (const u of sizesUsed(ctx.usage)) byRegion.set(u.region, [...(byRegion.get(u.region) ?? []), u]);
  return eachRegion(ctx, r, byRegion, async (region, sizes, client) => {
    const out = await client.send(new DescribeInstanceTypeOfferingsCommand({ LocationType: 'region', Filters: [{ Name: 'instance-type', Values: sizes.map((s) => s.size) }] }));
    const offered = new Set<string>((out.InstanceTypeOfferings ?? []).map((o) => o.InstanceType ?? ''));
    return sizes.map(({ size, where }) => (offered.has(size) ? r.pass(`instance type ${size} is offered in ${region}`, where) : r.fail(`instance type ${size} is not offered in ${region}`, where)));
  });
});

const imageCheck = check<AwsContext>(SUBJECT, 'image', async (ctx, r) => {
  return eachRegion(ctx, r, ctx.usage.regions, async (region, where, client) => {
    const id = ctx.image(region);
    try {
      const image = (await client.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images?.[0];
      if (!image) return [r.fail(`image ${id} does not exist in ${region}`, where)];
      if (image.State !== 'available') return [r.fail(`image ${id} is ${image.State ?? 'not available'} in ${region}`, where)];
      return [r.pass(`image ${id}${image.Name ? ` (${image.Name})` : ''} is available in ${region}`, where)];
    } catch (err) {
      if (/^InvalidAMIID\./.test(codeOf(err))) return [r.fail(`image ${id} does not exist in ${region} (${codeOf(err)})`, where)];
      throw err;
    }
  });
});

/**
 * EC2's standard read-only permission probe: DryRun answers `DryRunOperation` when the call
 * would be allowed and `UnauthorizedOperation` when not, and changes nothing either way.
 */
async function dryRun(send: () => Promise<unknown>): Promise<'allowed' | { denied: string } | { other: unknown }> {
  try {
    await send();
    return { other: new Error('the DryRun call succeeded instead of answering DryRunOperation') };
  } catch (err) {
    const code = codeOf(err);
    // A terminate of an instance that does not exist got past IAM: the permission is there.
    if (code === 'DryRunOperation' || code === 'InvalidInstanceID.NotFound') return 'allowed';
    if (code === 'UnauthorizedOperation') return { denied: (err as Error).message };
    return { other: err };
  }
}

const permissionsCheck = check<AwsContext>(SUBJECT, 'permission', async (ctx, r) => {
  return eachRegion(ctx, r, ctx.usage.sizes, async (region, sizes, client) => {
    const launch: RunInstancesCommandInput = {
      DryRun: true,
      ImageId: ctx.image(region),
      InstanceType: [...sizes.keys()][0] as RunInstancesCommandInput['InstanceType'],
      MinCount: 1,
      MaxCount: 1,
      // Tagged on create, as clusterops launches: the probe covers ec2:CreateTags on the new instance too.
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: TAG.owner, Value: ctx.ownerId ?? 'preflight' }] }],
    };
    const probes: [string, () => Promise<unknown>][] = [
      ['RunInstances (with tags)', () => client.send(new RunInstancesCommand(launch))],
      ['TerminateInstances', () => client.send(new TerminateInstancesCommand({ DryRun: true, InstanceIds: [NO_INSTANCE] }))],
    ];
    const answers = await Promise.all(probes.map(async ([name, send]) => [name, await dryRun(send)] as const));
    return answers.map(([name, answer]) => {
      if (answer === 'allowed') return r.pass(`may call ${name} in ${region} (DryRun)`);
      if ('denied' in answer) return r.fail(`may not call ${name} in ${region}: UnauthorizedOperation (DryRun)`);
      return r.fail(`${name} DryRun in ${region} failed: ${describe(answer.other)}`);
    });
  });
});

const LIVE = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

async function countInstances(client: EC2Client, ownerId?: string): Promise<number> {
  const filters = [{ Name: 'instance-state-name', Values: LIVE }, ...(ownerId ? [{ Name: `tag:${TAG.owner}`, Values: [ownerId] }] : [])];
  let n = 0;
  for await (const page of paginateDescribeInstances({ client, pageSize: 1000 }, { Filters: filters })) {
    for (const reservation of page.Reservations ?? []) n += reservation.Instances?.length ?? 0;
  }
  return n;
}

const quotaCheck = check<AwsContext>(SUBJECT, 'quota', async (ctx, r) => {
  const perRegion = await eachRegion(ctx, r, ctx.usage.nodes, async (region, declared, client) => {
    // Without names, as the SDK's AttributeNames enum lacks the legacy max-instances the API still reports.
    const attrs = await client.send(new DescribeAccountAttributesCommand({}));
    const max = Number(attrs.AccountAttributes?.find((a) => a.AttributeName === 'max-instances')?.AttributeValues?.[0]?.AttributeValue ?? NaN);
    if (!Number.isFinite(max)) return [r.skip(`not checked in ${region}: the account reports no max-instances`)];
    const [inUse, ours] = await Promise.all([countInstances(client), ctx.ownerId ? countInstances(client, ctx.ownerId) : Promise.resolve(0)]);
    const needed = Math.max(0, declared - ours);
    const room = Math.max(0, max - inUse);
    const text = `max-instances ${max} in ${region}: ${inUse} in use (${ours} of them clusterops'), room for ${room}; the manifests need ${needed} more`;
    return [needed <= room ? r.pass(text) : r.fail(`${text}: request a limit increase`, ctx.usage.regions.get(region))];
  });
  const vcpu = ctx.usage.nodes.size > 0 ? [r.skip('not checked: the vCPU quota for On-Demand instances (it lives in Service Quotas, L-1216C47A, which needs @aws-sdk/client-service-quotas)')] : [];
  return [...perRegion, ...vcpu];
});

/** The checks of an AWS account, in report order; other checks plug in by extending this list. */
export const AWS_CHECKS: readonly PreflightCheck<AwsContext>[] = [regionsCheck, instanceTypesCheck, imageCheck, permissionsCheck, quotaCheck];
