import { jsonBody, type SimRequest, type SimResponse } from '../common/http.js';
import { matchAccountRoute } from './account-routes.js';
import { paginate } from './pagination.js';
import { sshKeyRoute } from './ssh-keys.js';
import type { CreateRefusal, DropletStore } from './store.js';
import type { DoRoute, RouteDeps } from './route-types.js';
import { checkCreate } from './validate.js';


const NOT_FOUND = 'The resource you requested could not be found.';
/** DigitalOcean's words (hashicorp/packer#1814) for an action on a droplet that has one in progress. */
const PENDING_EVENT = 'Droplet already has a pending event.';
/**
 * The 422 of a create over the account's droplet limit, verbatim as clients report it
 * (OpenRouterLabs/spawn#2516, pry0cc/axiom#422). The refusal of an 11th create in progress is
 * documented only as a limit ("You can't create more than 10 Droplets at the same time",
 * https://docs.digitalocean.com/products/droplets/details/limits/); its status and wording are
 * not published, so the emulator answers a 422 in those words.
 */
const REFUSALS: Record<CreateRefusal, (store: DropletStore) => string> = {
  'droplet-limit': () => 'creating this/these droplet(s) will exceed your droplet limit',
  'concurrent-creates': (store) => `You can't create more than ${store.concurrentCreateLimit} Droplets at the same time.`,
};

const READ_DROPLETS = ['droplet:read'];
const READ_ACTIONS = ['actions:read'];

/** Matches a request to one of the routes the emulator serves; undefined when none. */
export function matchRoute(req: SimRequest, deps: RouteDeps): DoRoute | undefined {
  const path = req.path.replace(/\/+$/, '');
  const parts = path.split('/').slice(1);
  if (parts[0] !== 'v2') return undefined;
  const [, resource, id, sub, subId] = parts;
  const m = req.method;
  if (resource === 'account' && id === 'keys' && subId === undefined) return sshKeyRoute(req, deps, sub);
  if (resource === 'droplets' && id === undefined) {
    // Tagging a droplet as it is created needs tag:create besides droplet:create.
    if (m === 'POST') return { operation: 'droplets.create', scopes: createScopes(req), run: () => createDroplet(req, deps) };
    if (m === 'GET') return { operation: 'droplets.list', scopes: READ_DROPLETS, run: () => listDroplets(req, deps) };
    return undefined;
  }
  if (resource === 'droplets' && sub === undefined) {
    if (m === 'GET') return { operation: 'droplets.get', scopes: READ_DROPLETS, run: () => getDroplet(id!, deps) };
    if (m === 'DELETE') return { operation: 'droplets.delete', scopes: ['droplet:delete'], run: () => deleteDroplet(id!, deps) };
    return undefined;
  }
  if (resource === 'droplets' && sub === 'actions' && m === 'GET') {
    if (subId === undefined) return { operation: 'droplets.actions.list', scopes: READ_ACTIONS, run: () => listDropletActions(req, id!, deps) };
    return { operation: 'droplets.actions.get', scopes: READ_ACTIONS, run: () => getAction(subId, deps, id) };
  }
  if (resource === 'actions' && id !== undefined && sub === undefined && m === 'GET') {
    return { operation: 'actions.get', scopes: READ_ACTIONS, run: () => getAction(id, deps) };
  }
  return matchAccountRoute(req, parts.slice(1), deps);
}

function createScopes(req: SimRequest): string[] {
  const tags = jsonBody<{ tags?: unknown }>(req)?.tags;
  return Array.isArray(tags) && tags.length > 0 ? ['droplet:create', 'tag:create'] : ['droplet:create'];
}

function createDroplet(req: SimRequest, deps: RouteDeps): SimResponse {
  const check = checkCreate(jsonBody(req), deps.catalog, (ref) => deps.store.sshKey(ref)?.id);
  if (!check.ok) return deps.error(check.status, check.status === 400 ? 'bad_request' : 'unprocessable_entity', check.message);
  const refusal = deps.store.refuseCreate();
  if (refusal) return deps.error(422, 'unprocessable_entity', REFUSALS[refusal](deps.store));
  const { droplet, action } = deps.store.create(check.input);
  return {
    status: 202,
    body: {
      droplet: deps.render.droplet(droplet, deps.store.status(droplet)),
      links: { actions: [{ id: action.id, rel: 'create', href: `${selfBase(req)}/v2/actions/${action.id}` }] },
    },
  };
}

function listDroplets(req: SimRequest, deps: RouteDeps): SimResponse {
  const tag = req.query.get('tag_name') ?? undefined;
  // A tag no droplet ever carried does not exist, and listing by it finds no tag. Unverified
  // against the live API (the spec lists no 404 here); clusterops reads this 404 as an empty list.
  if (tag !== undefined && !deps.store.tagsEverUsed.has(tag)) return deps.error(404, 'not_found', NOT_FOUND);
  const page = paginate(deps.store.listed(tag), req.query, `${selfBase(req)}${req.path}`);
  const droplets = page.items.map((d) => deps.render.droplet(d, deps.store.status(d)));
  return { status: 200, body: { droplets, links: page.links, meta: page.meta } };
}

function getDroplet(id: string, deps: RouteDeps): SimResponse {
  const d = findDroplet(id, deps);
  if (!d) return deps.error(404, 'not_found', NOT_FOUND);
  return { status: 200, body: { droplet: deps.render.droplet(d, deps.store.status(d)) } };
}

function deleteDroplet(id: string, deps: RouteDeps): SimResponse {
  const d = findDroplet(id, deps);
  if (!d) return deps.error(404, 'not_found', NOT_FOUND);
  // A destroy already under way, or the create still in progress: the API refuses another event.
  if (d.destroyingSince !== undefined || deps.store.status(d) === 'new') {
    deps.store.counters.refusedPendingEvent += 1;
    return deps.error(422, 'unprocessable_entity', PENDING_EVENT);
  }
  deps.store.destroy(d);
  return { status: 204 };
}

function listDropletActions(req: SimRequest, id: string, deps: RouteDeps): SimResponse {
  const d = findDroplet(id, deps);
  if (!d) return deps.error(404, 'not_found', NOT_FOUND);
  const now = deps.store.now();
  const page = paginate(deps.store.actionsOf(d.id), req.query, `${selfBase(req)}${req.path}`);
  return { status: 200, body: { actions: page.items.map((a) => deps.render.action(a, now)), links: page.links, meta: page.meta } };
}

function getAction(id: string, deps: RouteDeps, dropletId?: string): SimResponse {
  const a = /^\d+$/.test(id) ? deps.store.action(Number(id)) : undefined;
  if (!a || (dropletId !== undefined && String(a.dropletId) !== dropletId)) return deps.error(404, 'not_found', NOT_FOUND);
  return { status: 200, body: { action: deps.render.action(a, deps.store.now()) } };
}

/** `GET /v2/account` (specification/resources/account/models/account.yml): the limits a preflight reads. */

function findDroplet(id: string, deps: RouteDeps) {
  return /^\d+$/.test(id) ? deps.store.get(Number(id)) : undefined;
}

/** Absolute links point back at this server, as the real API's point at api.digitalocean.com. */
function selfBase(req: SimRequest): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}
