import { jsonBody, type SimRequest, type SimResponse } from '../common/http.js';
import type { DoCatalog } from './catalog.js';
import { paginate } from './pagination.js';
import type { DoRenderer } from './render.js';
import { sshKeyRoute } from './ssh-keys.js';
import type { DropletStore } from './store.js';
import { checkCreate } from './validate.js';

/** Builds the API's error body `{id, message, request_id}` (reference §1.6). */
export type ErrorResponder = (status: number, id: string, message: string) => SimResponse;

export interface RouteDeps {
  store: DropletStore;
  catalog: DoCatalog;
  render: DoRenderer;
  error: ErrorResponder;
}

/** A matched API call: the operation name (for faults) and what it does. */
export interface DoRoute {
  operation: string;
  run(): SimResponse;
}

const NOT_FOUND = 'The resource you requested could not be found.';

/** Matches a request to one of the droplet/action/SSH-key routes clusterops uses; undefined when none. */
export function matchRoute(req: SimRequest, deps: RouteDeps): DoRoute | undefined {
  const path = req.path.replace(/\/+$/, '');
  const parts = path.split('/').slice(1);
  if (parts[0] !== 'v2') return undefined;
  const [, resource, id, sub, subId] = parts;
  const m = req.method;
  if (resource === 'account' && id === 'keys' && subId === undefined) return sshKeyRoute(req, deps, sub);
  if (resource === 'droplets' && id === undefined) {
    if (m === 'POST') return { operation: 'droplets.create', run: () => createDroplet(req, deps) };
    if (m === 'GET') return { operation: 'droplets.list', run: () => listDroplets(req, deps) };
    return undefined;
  }
  if (resource === 'droplets' && sub === undefined) {
    if (m === 'GET') return { operation: 'droplets.get', run: () => getDroplet(id!, deps) };
    if (m === 'DELETE') return { operation: 'droplets.delete', run: () => deleteDroplet(id!, deps) };
    return undefined;
  }
  if (resource === 'droplets' && sub === 'actions' && m === 'GET') {
    if (subId === undefined) return { operation: 'droplets.actions.list', run: () => listDropletActions(req, id!, deps) };
    return { operation: 'droplets.actions.get', run: () => getAction(subId, deps, id) };
  }
  if (resource === 'actions' && id !== undefined && sub === undefined && m === 'GET') {
    return { operation: 'actions.get', run: () => getAction(id, deps) };
  }
  return undefined;
}

function createDroplet(req: SimRequest, deps: RouteDeps): SimResponse {
  const check = checkCreate(jsonBody(req), deps.catalog, (ref) => deps.store.sshKey(ref)?.id);
  if (!check.ok) return deps.error(check.status, check.status === 400 ? 'bad_request' : 'unprocessable_entity', check.message);
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
  // A destroy is already under way: the API refuses a second event on a locked droplet.
  if (d.destroyingSince !== undefined) return deps.error(422, 'unprocessable_entity', 'Droplet already has a pending event.');
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

function findDroplet(id: string, deps: RouteDeps) {
  return /^\d+$/.test(id) ? deps.store.get(Number(id)) : undefined;
}

/** Absolute links point back at this server, as the real API's point at api.digitalocean.com. */
function selfBase(req: SimRequest): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}
