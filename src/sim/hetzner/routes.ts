import { createHash } from 'node:crypto';
import { jsonBody, type SimRequest, type SimResponse } from '../common/http.js';
import { hetznerError, lockedError, placementError } from './errors.js';
import { filterByNameAndLabels } from './labels.js';
import { paginate, readPaging } from './pagination.js';
import { projectRoutes } from './project-routes.js';
import type { ServerRecord } from './server-store.js';
import { checkSshKeys, sshKeyRoutes } from './ssh-keys.js';
import type { ApiRoute, RouteDeps } from './route-types.js';
import { validateCreate, type CreateServerBody } from './validate-create.js';

/** The Hetzner Cloud v1 routes the emulator serves. */
export function createRoutes(d: RouteDeps): ApiRoute[] {
  return [
    { method: 'GET', pattern: /^\/v1\/servers$/, operation: 'servers.list', handle: (req) => listServers(d, req) },
    { method: 'POST', pattern: /^\/v1\/servers$/, operation: 'servers.create', handle: (req) => createServer(d, req) },
    { method: 'GET', pattern: /^\/v1\/servers\/([^/]+)$/, operation: 'servers.get', handle: (_, id) => withServer(d, id, (s) => ok({ server: d.render.server(s) })) },
    { method: 'DELETE', pattern: /^\/v1\/servers\/([^/]+)$/, operation: 'servers.delete', handle: (_, id) => withServer(d, id, (s) => deleteServer(d, s)) },
    { method: 'GET', pattern: /^\/v1\/servers\/([^/]+)\/actions$/, operation: 'servers.actions', handle: (req, id) => withServer(d, id, (s) => listActions(d, req, d.store.actionsOf(s.id))) },
    { method: 'GET', pattern: /^\/v1\/actions$/, operation: 'actions.list', handle: (req) => listActionsById(d, req) },
    { method: 'GET', pattern: /^\/v1\/actions\/([^/]+)$/, operation: 'actions.get', handle: (_, id) => getAction(d, id) },
    ...projectRoutes(d.catalogue),
    ...sshKeyRoutes(d),
  ];
}

const ok = (body: unknown, status = 200): SimResponse => ({ status, body });
const notFound = (what: string) => hetznerError(404, 'not_found', `${what} not found`);
const queryInvalid = (field: string, message: string) => hetznerError(422, 'invalid_input', message, { fields: [{ name: field, messages: [message] }] });

function withServer(d: RouteDeps, id: number, fn: (s: ServerRecord) => SimResponse): SimResponse {
  const server = Number.isSafeInteger(id) ? d.store.get(id) : undefined;
  return server ? fn(server) : notFound('server');
}

function listServers(d: RouteDeps, req: SimRequest): SimResponse {
  const paging = readPaging(req.query);
  if (typeof paging === 'string') return queryInvalid('page', paging);
  let servers = filterByNameAndLabels(d.store.list(), req.query);
  if (typeof servers === 'string') return queryInvalid('label_selector', servers);
  // Both the documented repeated `status=` and the `status[]=` that axios-based clients send.
  const statuses = [...req.query.getAll('status'), ...req.query.getAll('status[]')];
  if (statuses.length > 0) servers = servers.filter((s) => statuses.includes(d.store.status(s)));
  const page = paginate(req, servers, paging);
  const body = { servers: page.items.map(d.render.server), meta: { pagination: page.meta } };
  return { status: 200, body, ...(page.link ? { headers: { Link: page.link } } : {}) };
}

function createServer(d: RouteDeps, req: SimRequest): SimResponse {
  const body = jsonBody<CreateServerBody>(req);
  const input = validateCreate(body, d.catalogue);
  if ('status' in input) return input;
  const sshKeyIds = checkSshKeys(body?.ssh_keys, d.store);
  if (!Array.isArray(sshKeyIds)) return sshKeyIds;
  if (d.store.byName(input.name)) {
    return hetznerError(409, 'uniqueness_error', 'server name is already used', { fields: [{ name: 'name' }] });
  }
  // Sold there but out of stock now: Hetzner's placement refusal (provider-apis.md §2.2).
  if (!d.catalogue.available(input.location, input.serverType)) {
    d.store.counters.refusedUnavailable += 1;
    return placementError();
  }
  const { server, action, next } = d.store.create({ ...input, sshKeyIds });
  const withKeys = sshKeyIds.length > 0;
  return ok(
    {
      server: d.render.server(server),
      action: d.render.action(action),
      next_actions: next.map(d.render.action),
      // Hetzner sets a root password only when no SSH key was given; derived, so runs are reproducible.
      root_password: withKeys ? null : createHash('sha256').update(`root:${server.id}`).digest('base64url').slice(0, 20),
    },
    201,
  );
}

function deleteServer(d: RouteDeps, server: ServerRecord): SimResponse {
  const creating = d.store.runningCreate(server);
  if (creating) {
    d.store.counters.refusedLocked += 1;
    return lockedError(creating.command);
  }
  return ok({ action: d.render.action(d.store.delete(server)) });
}

function listActions(d: RouteDeps, req: SimRequest, actions: { id: number }[]): SimResponse {
  const paging = readPaging(req.query);
  if (typeof paging === 'string') return queryInvalid('page', paging);
  const sorted = [...actions].sort((a, b) => a.id - b.id);
  const page = paginate(req, sorted, paging);
  const body = { actions: page.items.map((a) => d.render.action(d.store.action(a.id)!)), meta: { pagination: page.meta } };
  return { status: 200, body, ...(page.link ? { headers: { Link: page.link } } : {}) };
}

function listActionsById(d: RouteDeps, req: SimRequest): SimResponse {
  const ids = req.query.getAll('id').map(Number);
  const actions = ids.map((id) => d.store.action(id)).filter((a) => a !== undefined);
  return listActions(d, req, actions);
}

function getAction(d: RouteDeps, id: number): SimResponse {
  const action = Number.isSafeInteger(id) ? d.store.action(id) : undefined;
  return action ? ok({ action: d.render.action(action) }) : notFound('action');
}
