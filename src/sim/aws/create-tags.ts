import { Ec2ApiError, missingParameter } from './api-error.js';
import type { ActionContext } from './context.js';
import { byIds } from './describe-instances.js';
import { indexed, tagList } from './params.js';
import { checkTags } from './run-instances.js';
import { actionResponse, leaf } from './xml.js';

/**
 * CreateTags on instances (the only resource the emulator has): adds or overwrites tags on every
 * listed instance, or on none if any id is unknown or a tag is invalid.
 */
export function createTags(ctx: ActionContext): ReturnType<typeof actionResponse> {
  const ids = indexed(ctx.params, 'ResourceId');
  if (ids.length === 0) throw missingParameter('ResourceId');
  const foreign = ids.find((id) => !id.startsWith('i-'));
  if (foreign !== undefined) throw new Ec2ApiError('InvalidID', `The ID '${foreign}' is not valid`);
  const tags = tagList(Object.fromEntries(ctx.params), 'Tag');
  if (tags.length === 0) throw missingParameter('Tag');
  const instances = byIds(ctx, ids);
  const updated = instances.map((i) => ({ instance: i, tags: { ...i.tags, ...Object.fromEntries(tags.map((t) => [t.key, t.value])) } }));
  for (const u of updated) checkTags(u.tags);
  for (const u of updated) u.instance.tags = u.tags;
  return actionResponse('CreateTags', ctx.requestId, leaf('return', true));
}
