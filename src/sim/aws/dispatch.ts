import { randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse, SimRoute } from '../common/http.js';
import { Ec2ApiError, requestLimitExceeded } from './api-error.js';
import { authenticate } from './auth.js';
import type { ActionContext } from './context.js';
import type { Ec2Account } from './account.js';
import { createTags } from './create-tags.js';
import { describeAccountAttributes, describeImages, describeInstanceTypeOfferings, describeRegions } from './describe-account.js';
import { describeInstances } from './describe-instances.js';
import { filters, indexed, type Params } from './params.js';
import { runInstances } from './run-instances.js';
import { terminateInstances } from './terminate-instances.js';
import { REQUEST_BUCKETS, type Throttle } from './throttle.js';
import type { Ec2World } from './world.js';
import { errorResponse } from './xml.js';

type ActionHandler = (ctx: ActionContext) => SimResponse;

/** The emulated actions; their names are the operation names faults and call counts use. */
const ACTIONS: Record<string, ActionHandler> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  TerminateInstances: terminateInstances,
  CreateTags: createTags,
  DescribeRegions: describeRegions,
  DescribeImages: describeImages,
  DescribeInstanceTypeOfferings: describeInstanceTypeOfferings,
  DescribeAccountAttributes: describeAccountAttributes,
};

/** Everything a request is served from. */
export interface Ec2Backend {
  world: Ec2World;
  account: Ec2Account;
  throttle: Throttle;
  credentials: ReadonlySet<string>;
  instanceLimit: number;
}

/**
 * Routes a Query API call: form body (POST, what the SDK sends) or query string (GET) → the
 * `Action`. Authentication and unknown actions answer at once; everything else becomes a route
 * named after its Action, so fault injection can target it.
 */
export function routeEc2(backend: Ec2Backend, req: SimRequest): SimRoute | SimResponse {
  const requestId = randomUUID();
  if (req.path !== '/') return errorResponse(new Ec2ApiError('InvalidAction', `Unknown path ${req.path}`, 404), requestId);
  const params = req.method === 'POST' ? new URLSearchParams(req.body.toString('utf8')) : req.query;
  const caller = authenticate(req.headers, backend.credentials, backend.account.notOptedIn);
  if (caller instanceof Ec2ApiError) return errorResponse(caller, requestId);
  const action = params.get('Action') ?? '';
  const handler = ACTIONS[action];
  if (!handler) return errorResponse(new Ec2ApiError('InvalidAction', `The action ${action} is not valid for this web service.`), requestId);
  const ctx: ActionContext = { params, region: caller.region, requestId, world: backend.world, account: backend.account, throttle: backend.throttle, instanceLimit: backend.instanceLimit };
  // Counted apart, so a test can tell a permission probe from a write.
  const label = params.get('DryRun') === 'true' ? `${action} DryRun` : action;
  return { operation: action, label, handle: () => perform(backend, action, handler, ctx) };
}

function perform(backend: Ec2Backend, action: string, handler: ActionHandler, ctx: ActionContext): SimResponse {
  backend.world.sweep();
  const bucket = bucketName(action, ctx.params);
  if (!backend.throttle.take(`${ctx.region}:${bucket}`, REQUEST_BUCKETS[bucket]!)) return errorResponse(requestLimitExceeded(), ctx.requestId);
  // IAM decides first: a denied action is refused with or without DryRun (that is what DryRun probes).
  if (backend.account.deniedActions.has(action)) return errorResponse(unauthorized(backend.account, action), ctx.requestId);
  if (ctx.params.get('DryRun') === 'true') {
    return errorResponse(new Ec2ApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412), ctx.requestId);
  }
  try {
    return handler(ctx);
  } catch (err) {
    if (err instanceof Ec2ApiError) return errorResponse(err, ctx.requestId);
    throw err;
  }
}

/** Unfiltered, unpaginated DescribeInstances draws from its own, smaller bucket (AWS-THR). */
function bucketName(action: string, params: Params): string {
  const unbounded = filters(params).length === 0 && indexed(params, 'InstanceId').length === 0 && !params.has('MaxResults');
  return action === 'DescribeInstances' && unbounded ? 'DescribeInstances:unpaginated' : action;
}

/** EC2's refusal of an action IAM does not allow (HTTP 403). */
function unauthorized(account: Ec2Account, action: string): Ec2ApiError {
  const who = `arn:aws:iam::${account.accountId}:user/clusterops`;
  return new Ec2ApiError('UnauthorizedOperation', `You are not authorized to perform this operation. User: ${who} is not authorized to perform: ec2:${action} because no identity-based policy allows the ec2:${action} action`, 403);
}
