import type { Ec2Account } from './account.js';
import { Ec2ApiError, invalidValue, missingParameter, requestLimitExceeded } from './api-error.js';
import type { ActionContext } from './context.js';
import { instanceTypeIn } from './offer.js';
import { intParam, tagSpecifications, type Params } from './params.js';
import { reservationXml } from './render.js';
import { RESOURCE_BUCKETS } from './throttle.js';
import type { Ec2Reservation, LaunchSpec } from './world.js';
import { actionResponse } from './xml.js';

const USER_DATA_LIMIT = 16 * 1024;
const TAGGABLE = ['instance', 'volume', 'network-interface'];

/**
 * RunInstances: validates like EC2, deduplicates by ClientToken (regional idempotency: the same
 * token with the same parameters answers the first reservation again, with its current state;
 * with other parameters it is `IdempotentParameterMismatch`), then launches MaxCount instances
 * (fewer, down to MinCount, when the instance limit allows no more).
 */
export function runInstances(ctx: ActionContext): ReturnType<typeof actionResponse> {
  const { params, world } = ctx;
  const spec = parseLaunch(params, ctx.region, ctx.account);
  const { min, max } = counts(params);
  const token = clientToken(params);
  const prior = token === undefined ? undefined : world.reservationForToken(ctx.region, token.value);
  if (prior && prior.token?.fingerprint !== token?.fingerprint) {
    throw new Ec2ApiError('IdempotentParameterMismatch', 'The client token you have provided is associated with a resource that is already deleted or has different parameters. Please use a different client token.');
  }
  const reservation = prior ?? launch(ctx, spec, min, max, token);
  const instances = reservation.instanceIds.map((id) => world.instances.get(id)!);
  return actionResponse('RunInstances', ctx.requestId, reservationXml(world, reservation.id, instances));
}

function launch(ctx: ActionContext, spec: LaunchSpec, min: number, max: number, token: Ec2Reservation['token']): Ec2Reservation {
  const active = [...ctx.world.instances.values()].filter((i) => i.region === ctx.region && i.terminateRequestedAt === undefined).length;
  const count = Math.min(max, ctx.instanceLimit - active);
  if (count < min) {
    throw new Ec2ApiError('InstanceLimitExceeded', `You have requested more instances (${min}) than your current instance limit of ${ctx.instanceLimit} allows for the specified instance type.`);
  }
  if (!ctx.throttle.take(`${ctx.region}:RunInstances:resources`, RESOURCE_BUCKETS['RunInstances']!, count)) throw requestLimitExceeded();
  return ctx.world.launch(spec, count, token);
}

function parseLaunch(params: Params, region: string, account: Ec2Account): LaunchSpec {
  const imageId = params.get('ImageId');
  if (!imageId) throw missingParameter('ImageId');
  if (!/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(imageId)) throw new Ec2ApiError('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  // EC2's default instance type when none is given; the emulator does not sell it, so it is refused below.
  const instanceType = params.get('InstanceType') ?? 'm1.small';
  checkInstanceType(instanceType, region, account);
  const userData = params.get('UserData') ?? undefined;
  if (userData !== undefined) checkUserData(userData);
  const keyName = params.get('KeyName') ?? undefined;
  return { region, availabilityZone: availabilityZone(params, region), imageId, instanceType, ...(keyName ? { keyName } : {}), ...(userData ? { userData } : {}), tags: instanceTags(params) };
}

function counts(params: Params): { min: number; max: number } {
  const min = intParam(params, 'MinCount');
  const max = intParam(params, 'MaxCount');
  if (min === undefined) throw missingParameter('MinCount');
  if (max === undefined) throw missingParameter('MaxCount');
  if (min < 1) throw invalidValue(`Value (${min}) for parameter minCount is invalid. Expected a positive integer.`);
  if (max < min) throw invalidValue(`Value (${max}) for parameter maxCount is invalid. Expected a value no less than minCount (${min}).`);
  return { min, max };
}

/** A type EC2 sells elsewhere but not in this Region (or withdrawn here) is `Unsupported`; a name EC2 does not know is invalid (offer.ts). */
function checkInstanceType(type: string, region: string, account: Ec2Account): void {
  const sold = instanceTypeIn(type, region);
  if (sold === 'sold' && !account.withdrawnTypes.has(region, type)) return;
  if (sold !== 'unknown') throw new Ec2ApiError('Unsupported', `Your requested instance type (${type}) is not supported in your requested Availability Zone (${region}a).`);
  throw invalidValue(`Invalid value '${type}' for InstanceType.`);
}

/** Real EC2 wants base64 (the JS SDK sends the string as given, reference §3.3) and ≤ 16 KB decoded. */
function checkUserData(userData: string): void {
  if (userData.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(userData)) {
    throw new Ec2ApiError('InvalidUserData.Malformed', 'Invalid BASE64 encoding of user data.');
  }
  if (Buffer.from(userData, 'base64').length > USER_DATA_LIMIT) throw invalidValue(`User data is limited to ${USER_DATA_LIMIT} bytes`);
}

function availabilityZone(params: Params, region: string): string {
  const az = params.get('Placement.AvailabilityZone');
  if (az === null) return `${region}a`;
  if (!new RegExp(`^${region}[a-f]$`).test(az)) throw invalidValue(`Invalid availability zone: [${az}]`);
  return az;
}

function instanceTags(params: Params): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const spec of tagSpecifications(params)) {
    if (!TAGGABLE.includes(spec.resourceType)) throw invalidValue(`'${spec.resourceType}' is not a valid taggable resource type for this operation.`);
    if (spec.resourceType !== 'instance') continue;
    for (const t of spec.tags) tags[t.key] = t.value;
  }
  checkTags(tags);
  return tags;
}

/** Tag rules shared with CreateTags (reference §3.3): key 1–127 chars, not `aws:`, value ≤ 256, ≤ 50 tags. */
export function checkTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 127) throw invalidValue(`Tag key must be between 1 and 127 characters: '${key}'`);
    if (key.toLowerCase().startsWith('aws:')) throw invalidValue(`Tag keys starting with 'aws:' are reserved for internal use`);
    if (value.length > 256) throw invalidValue(`Tag value exceeds the maximum length of 256 characters`);
  }
  if (Object.keys(tags).length > 50) throw new Ec2ApiError('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
}

/** The token, and a fingerprint of every parameter that must match on a replay (all but Region/AZ). */
function clientToken(params: Params): Ec2Reservation['token'] {
  const value = params.get('ClientToken');
  if (value === null) return undefined;
  if (value.length === 0 || value.length > 64 || !/^[\x20-\x7e]+$/.test(value)) throw invalidValue(`Value (${value}) for parameter clientToken is invalid.`);
  const ignored = new Set(['Action', 'Version', 'ClientToken', 'DryRun', 'Placement.AvailabilityZone']);
  const fingerprint = [...params].filter(([k]) => !ignored.has(k)).map(([k, v]) => `${k}=${v}`).sort().join('&');
  return { value, fingerprint };
}
