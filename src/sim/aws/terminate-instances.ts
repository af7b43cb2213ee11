import { missingParameter, requestLimitExceeded } from './api-error.js';
import type { ActionContext } from './context.js';
import { byIds } from './describe-instances.js';
import { indexed } from './params.js';
import { stateXml } from './render.js';
import { RESOURCE_BUCKETS } from './throttle.js';
import { actionResponse, itemList, leaf } from './xml.js';

/**
 * TerminateInstances: all ids or none (one unknown id fails the call and terminates nothing);
 * terminating again is fine and reports the current state as both previous and current.
 */
export function terminateInstances(ctx: ActionContext): ReturnType<typeof actionResponse> {
  const ids = indexed(ctx.params, 'InstanceId');
  if (ids.length === 0) throw missingParameter('InstanceId');
  const instances = byIds(ctx, ids);
  if (!ctx.throttle.take(`${ctx.region}:TerminateInstances:resources`, RESOURCE_BUCKETS['TerminateInstances']!, instances.length)) throw requestLimitExceeded();
  const changes = instances.map((i) => {
    const { previous, current } = ctx.world.terminate(i);
    return leaf('instanceId', i.id) + stateXml('currentState', current) + stateXml('previousState', previous);
  });
  return actionResponse('TerminateInstances', ctx.requestId, itemList('instancesSet', changes));
}
