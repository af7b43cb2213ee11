import type { Ec2Account } from './account.js';
import { Ec2ApiError, invalidValue } from './api-error.js';
import type { ActionContext } from './context.js';
import { EC2_OFFER, instanceTypeIn } from './offer.js';
import { filters, indexed, type Ec2Filter } from './params.js';
import { actionResponse, itemList, leaf } from './xml.js';

type Response = ReturnType<typeof actionResponse>;

/** The instance types a Region offers now: its own table (offer.ts), less what the account withdrew. */
export function offeredTypes(account: Ec2Account, region: string): string[] {
  return EC2_OFFER.instanceTypes.map((t) => t.name).filter((type) => instanceTypeIn(type, region) === 'sold' && !account.withdrawnTypes.has(region, type));
}

/** Filter values OR, filters AND; only exact values (no wildcards) for these small listings. */
function keep(list: readonly Ec2Filter[], name: string, value: string): boolean {
  return list.every((f) => f.name !== name || f.values.includes(value));
}

/**
 * DescribeRegions: the enabled Regions, and with `AllRegions=true` the opt-in ones not enabled
 * (`optInStatus` `not-opted-in`); `RegionName.N` and the `region-name` / `opt-in-status` filters narrow it.
 */
export function describeRegions(ctx: ActionContext): Response {
  const all = ctx.params.get('AllRegions') === 'true';
  const names = indexed(ctx.params, 'RegionName');
  const f = filters(ctx.params);
  const items = EC2_OFFER.regions.map((r) => r.code)
    .map((name) => ({ name, status: ctx.account.notOptedIn.has(name) ? 'not-opted-in' : 'opt-in-not-required' }))
    .filter((r) => (all || r.status !== 'not-opted-in') && (names.length === 0 || names.includes(r.name)) && keep(f, 'region-name', r.name) && keep(f, 'opt-in-status', r.status))
    .map((r) => leaf('regionName', r.name) + leaf('regionEndpoint', `ec2.${r.name}.amazonaws.com`) + leaf('optInStatus', r.status));
  return actionResponse('DescribeRegions', ctx.requestId, itemList('regionInfo', items));
}

/** DescribeInstanceTypeOfferings by Region (the default) or Availability Zone, with the `instance-type` / `location` filters. */
export function describeInstanceTypeOfferings(ctx: ActionContext): Response {
  const locationType = ctx.params.get('LocationType') ?? 'region';
  if (!['region', 'availability-zone'].includes(locationType)) throw invalidValue(`Invalid value '${locationType}' for LocationType`);
  const locations = locationType === 'region' ? [ctx.region] : ['a', 'b', 'c'].map((z) => `${ctx.region}${z}`);
  const f = filters(ctx.params);
  const items = offeredTypes(ctx.account, ctx.region).flatMap((type) =>
    locations
      .filter((location) => keep(f, 'instance-type', type) && keep(f, 'location', location))
      .map((location) => leaf('instanceType', type) + leaf('locationType', locationType) + leaf('location', location)),
  );
  return actionResponse('DescribeInstanceTypeOfferings', ctx.requestId, itemList('instanceTypeOfferingSet', items));
}

/**
 * DescribeImages: by `ImageId.N` (each must exist in the Region: `InvalidAMIID.NotFound`), or
 * every image narrowed by `Owner.N` and the `image-id` / `name` / `owner-id` / `architecture` filters.
 */
export function describeImages(ctx: ActionContext): Response {
  const ids = indexed(ctx.params, 'ImageId');
  const malformed = ids.find((id) => !/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id));
  if (malformed !== undefined) throw new Ec2ApiError('InvalidAMIID.Malformed', `Invalid id: "${malformed}" (expecting "ami-...")`);
  const missing = ids.filter((id) => !ctx.account.image(ctx.region, id));
  if (missing.length > 0) throw new Ec2ApiError('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
  const owners = indexed(ctx.params, 'Owner');
  const f = filters(ctx.params);
  const items = [...ctx.account.images.values()]
    .filter((i) => i.regions.has(ctx.region) && (ids.length === 0 || ids.includes(i.id)) && (owners.length === 0 || owners.includes(i.ownerId)))
    .filter((i) => keep(f, 'image-id', i.id) && keep(f, 'name', i.name) && keep(f, 'owner-id', i.ownerId) && keep(f, 'architecture', i.architecture))
    .map((i) =>
      [
        leaf('imageId', i.id),
        leaf('imageLocation', `${i.ownerId}/${i.name}`),
        leaf('imageState', 'available'),
        leaf('imageOwnerId', i.ownerId),
        leaf('creationDate', '2024-04-25T00:00:00.000Z'),
        leaf('isPublic', true),
        leaf('architecture', i.architecture),
        leaf('imageType', 'machine'),
        leaf('name', i.name),
        leaf('rootDeviceType', 'ebs'),
        leaf('rootDeviceName', '/dev/sda1'),
        leaf('virtualizationType', 'hvm'),
        leaf('hypervisor', 'xen'),
        leaf('enaSupport', true),
      ].join(''),
    );
  return actionResponse('DescribeImages', ctx.requestId, itemList('imagesSet', items));
}

/** DescribeAccountAttributes: `max-instances` is the emulator's per-Region instance limit. */
export function describeAccountAttributes(ctx: ActionContext): Response {
  const values: Record<string, string[]> = {
    'supported-platforms': ['VPC'],
    'default-vpc': ['vpc-0a1b2c3d4e5f60718'],
    'max-instances': [String(ctx.instanceLimit)],
    'vpc-max-security-groups-per-interface': ['5'],
    'max-elastic-ips': ['5'],
    'vpc-max-elastic-ips': ['5'],
  };
  const wanted = indexed(ctx.params, 'AttributeName');
  const unknown = wanted.find((n) => !(n in values));
  if (unknown !== undefined) throw invalidValue(`Value (${unknown}) for parameter attributeName is invalid.`);
  const names = wanted.length > 0 ? wanted : Object.keys(values);
  const items = names.map((n) => leaf('attributeName', n) + itemList('attributeValueSet', values[n]!.map((v) => leaf('attributeValue', v))));
  return actionResponse('DescribeAccountAttributes', ctx.requestId, itemList('accountAttributeSet', items));
}
