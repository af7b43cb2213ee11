import { jsonBody, type SimRequest, type SimResponse } from '../common/http.js';
import { parseUploadedKey } from '../common/ssh-public-key.js';
import { paginate } from './pagination.js';
import type { DoRoute, RouteDeps } from './route-types.js';
import type { SshKeyRecord } from './store.js';

/**
 * `/v2/account/keys` (DO-OAS `resources/ssh_keys/*`): list, create, get by id or fingerprint,
 * delete. Public keys are unique per account; names are not. The listing's own limit of 10 calls
 * a minute is applied in front of these routes (handler.ts).
 */
export function sshKeyRoute(req: SimRequest, deps: RouteDeps, id: string | undefined): DoRoute | undefined {
  const m = req.method;
  if (id === undefined) {
    if (m === 'GET') return { operation: 'ssh_keys.list', scopes: ['ssh_key:read'], run: () => list(req, deps) };
    if (m === 'POST') return { operation: 'ssh_keys.create', scopes: ['ssh_key:create'], run: () => create(req, deps) };
    return undefined;
  }
  if (m === 'GET') return { operation: 'ssh_keys.get', scopes: ['ssh_key:read'], run: () => withKey(deps, id, (k) => ({ status: 200, body: { ssh_key: render(k) } })) };
  if (m === 'DELETE') return { operation: 'ssh_keys.delete', scopes: ['ssh_key:delete'], run: () => withKey(deps, id, (k) => (deps.store.deleteSshKey(k.id), { status: 204 })) };
  return undefined;
}

function list(req: SimRequest, deps: RouteDeps): SimResponse {
  const page = paginate(deps.store.sshKeyList(), req.query, `http://${req.headers.host ?? '127.0.0.1'}${req.path}`);
  return { status: 200, body: { ssh_keys: page.items.map(render), links: page.links, meta: page.meta } };
}

function create(req: SimRequest, deps: RouteDeps): SimResponse {
  const body = jsonBody<{ name?: unknown; public_key?: unknown }>(req);
  if (typeof body !== 'object' || body === null) return deps.error(400, 'bad_request', 'Unable to parse the request body as a JSON object.');
  if (typeof body.name !== 'string' || body.name.trim() === '') return deps.error(422, 'unprocessable_entity', "Name can't be blank");
  const parsed = parseUploadedKey(body.public_key);
  // The wording DigitalOcean uses for a key it cannot read (chadgeary/cloudblock#94).
  if (!parsed) return deps.error(422, 'unprocessable_entity', 'Fingerprint could not be generated, please make sure your key is valid');
  if (deps.store.sshKey(parsed.fingerprint)) return deps.error(422, 'unprocessable_entity', 'SSH Key is already in use on your account');
  const key = deps.store.addSshKey({ name: body.name, publicKey: (body.public_key as string).trim(), fingerprint: parsed.fingerprint });
  return { status: 201, body: { ssh_key: render(key) } };
}

function withKey(deps: RouteDeps, id: string, fn: (k: SshKeyRecord) => SimResponse): SimResponse {
  const key = deps.store.sshKey(decodeURIComponent(id));
  return key ? fn(key) : deps.error(404, 'not_found', 'The resource you requested could not be found.');
}

function render(k: SshKeyRecord): Record<string, unknown> {
  return { id: k.id, fingerprint: k.fingerprint, public_key: k.publicKey, name: k.name };
}
