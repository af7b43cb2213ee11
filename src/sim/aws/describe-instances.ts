import { Ec2ApiError, instanceNotFound, invalidValue } from './api-error.js';
import type { ActionContext } from './context.js';
import { filters, indexed, intParam, type Ec2Filter, type Params } from './params.js';
import { reservationXml } from './render.js';
import type { Ec2Instance, Ec2World } from './world.js';
import { actionResponse, itemList, leaf } from './xml.js';

type Matcher = (i: Ec2Instance) => boolean;

/**
 * DescribeInstances: by id (`InstanceId.N`, every id must exist) or by filters, paginated by
 * instance with `MaxResults` (5–1000) / `NextToken`; each page groups its instances by
 * reservation, as EC2 does. Without MaxResults every match comes back in one page.
 */
export function describeInstances(ctx: ActionContext): ReturnType<typeof actionResponse> {
  const { params, world } = ctx;
  const ids = indexed(params, 'InstanceId');
  const maxResults = intParam(params, 'MaxResults');
  if (ids.length > 0 && maxResults !== undefined) {
    throw new Ec2ApiError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  if (maxResults !== undefined && maxResults < 5) throw invalidValue(`Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value greater than 5.`);
  if (maxResults !== undefined && maxResults > 1000) throw invalidValue(`Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value less than 1000.`);
  const matchers = filters(params).map((f) => matcher(world, f));
  const candidates = ids.length > 0 ? byIds(ctx, ids) : world.visibleIn(ctx.region);
  const matched = candidates.filter((i) => matchers.every((m) => m(i)));
  const { page, nextToken } = paginate(matched, params, maxResults);
  const reservations = itemList('reservationSet', groupByReservation(page).map(([rid, list]) => reservationXml(world, rid, list)));
  return actionResponse('DescribeInstances', ctx.requestId, reservations + leaf('nextToken', nextToken));
}

export function checkInstanceIds(ids: readonly string[]): void {
  const malformed = ids.find((id) => !/^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id));
  if (malformed !== undefined) throw new Ec2ApiError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
}

/** The instances with these ids, or `InvalidInstanceID.NotFound` naming every one the API cannot see. */
export function byIds(ctx: ActionContext, ids: readonly string[]): Ec2Instance[] {
  checkInstanceIds(ids);
  const found = [...new Set(ids)].map((id) => [id, ctx.world.find(ctx.region, id)] as const);
  const missing = found.filter(([, i]) => !i).map(([id]) => id);
  if (missing.length > 0) throw instanceNotFound(missing);
  return found.map(([, i]) => i!);
}

/** Filter values OR, filters AND; `*` and `?` are wildcards. */
function matcher(world: Ec2World, f: Ec2Filter): Matcher {
  if (f.values.length === 0) throw invalidValue(`The filter '${f.name}' requires at least one value`);
  const patterns = f.values.map(glob);
  const any = (value: string | undefined) => value !== undefined && patterns.some((p) => p.test(value));
  if (f.name.startsWith('tag:')) {
    const key = f.name.slice(4);
    return (i) => any(i.tags[key]);
  }
  const fields: Record<string, (i: Ec2Instance) => string[]> = {
    'tag-key': (i) => Object.keys(i.tags),
    'tag-value': (i) => Object.values(i.tags),
    'instance-state-name': (i) => [world.stateOf(i).name],
    'instance-state-code': (i) => [String(world.stateOf(i).code)],
    'instance-id': (i) => [i.id],
    'instance-type': (i) => [i.instanceType],
    'image-id': (i) => [i.imageId],
    'availability-zone': (i) => [i.availabilityZone],
    'client-token': (i) => [i.clientToken],
    'reservation-id': (i) => [i.reservationId],
  };
  const field = fields[f.name];
  if (!field) throw invalidValue(`The filter '${f.name}' is invalid`);
  return (i) => field(i).some(any);
}

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * Pages continue after the last instance returned (by launch order), so instances launched or
 * forgotten between pages neither repeat nor shift the rest.
 */
function paginate(list: Ec2Instance[], params: Params, maxResults: number | undefined): { page: Ec2Instance[]; nextToken?: string } {
  const token = params.get('NextToken');
  const after = token === null ? 0 : decodeToken(token);
  const rest = list.filter((i) => i.seq > after);
  if (maxResults === undefined || rest.length <= maxResults) return { page: rest };
  const page = rest.slice(0, maxResults);
  return { page, nextToken: Buffer.from(`seq:${page[page.length - 1]!.seq}`).toString('base64url') };
}

function decodeToken(token: string): number {
  const match = /^seq:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw invalidValue(`Invalid value '${token}' for NextToken`);
  return Number(match[1]);
}

function groupByReservation(instances: readonly Ec2Instance[]): [string, Ec2Instance[]][] {
  const groups = new Map<string, Ec2Instance[]>();
  for (const i of instances) groups.set(i.reservationId, [...(groups.get(i.reservationId) ?? []), i]);
  return [...groups.entries()];
}
