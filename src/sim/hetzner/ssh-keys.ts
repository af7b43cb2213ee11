import { jsonBody, type SimRequest, type SimResponse } from '../common/http.js';
import { parseUploadedKey } from '../common/ssh-public-key.js';
import { hetznerError, invalidInput } from './errors.js';
import { filterByNameAndLabels, labelsProblem } from './labels.js';
import { paginate, readPaging } from './pagination.js';
import type { ApiRoute, RouteDeps } from './route-types.js';
import type { ServerStore, SshKeyRecord } from './server-store.js';

/** The key types the API accepts, as its `invalid_input` message lists them (mysticaltech/terraform-hcloud-kube-hetzner#310). */
const KEY_TYPES = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-dss', 'sk-ssh-ed25519', 'sk-ecdsa-sha2-nistp256', 'sk-ecdsa-sha2-nistp384', 'sk-ecdsa-sha2-nistp521'];

/** `/v1/ssh_keys` (HZ-OAS "SSH Keys"): list (name, fingerprint, label_selector filters), create, get, delete. */
export function sshKeyRoutes(d: RouteDeps): ApiRoute[] {
  return [
    { method: 'GET', pattern: /^\/v1\/ssh_keys$/, operation: 'ssh_keys.list', handle: (req) => list(d, req) },
    { method: 'POST', pattern: /^\/v1\/ssh_keys$/, operation: 'ssh_keys.create', handle: (req) => create(d, req) },
    { method: 'GET', pattern: /^\/v1\/ssh_keys\/([^/]+)$/, operation: 'ssh_keys.get', handle: (_, id) => withKey(d, id, (k) => ({ status: 200, body: { ssh_key: render(k) } })) },
    { method: 'DELETE', pattern: /^\/v1\/ssh_keys\/([^/]+)$/, operation: 'ssh_keys.delete', handle: (_, id) => withKey(d, id, (k) => (d.store.deleteSshKey(k.id), { status: 204 })) },
  ];
}

/**
 * The ids of the keys a server create names in `ssh_keys` (ids or names, HZ-OAS create_server),
 * or the 422 for one the project does not hold.
 */
export function checkSshKeys(raw: unknown, store: ServerStore): number[] | SimResponse {
  const refs = raw ?? [];
  if (!Array.isArray(refs)) return invalidInput('ssh_keys', 'ssh_keys must be a list of SSH key IDs or names');
  const ids: number[] = [];
  for (const ref of refs) {
    const key = typeof ref === 'number' ? store.sshKey(ref) : typeof ref === 'string' ? ((/^\d+$/.test(ref) ? store.sshKey(Number(ref)) : undefined) ?? store.sshKey(ref)) : undefined;
    if (!key) return invalidInput('ssh_keys', `SSH key '${String(ref)}' not found`);
    ids.push(key.id);
  }
  return [...new Set(ids)];
}

function list(d: RouteDeps, req: SimRequest): SimResponse {
  const paging = readPaging(req.query);
  if (typeof paging === 'string') return invalidInput('page', paging);
  let keys = filterByNameAndLabels(d.store.sshKeyList(), req.query);
  if (typeof keys === 'string') return invalidInput('label_selector', keys);
  const fingerprint = req.query.get('fingerprint');
  if (fingerprint !== null) keys = keys.filter((k) => k.fingerprint === fingerprint);
  const page = paginate(req, keys, paging);
  return { status: 200, body: { ssh_keys: page.items.map(render), meta: { pagination: page.meta } }, ...(page.link ? { headers: { Link: page.link } } : {}) };
}

function create(d: RouteDeps, req: SimRequest): SimResponse {
  const body = jsonBody<{ name?: unknown; public_key?: unknown; labels?: unknown }>(req);
  if (typeof body !== 'object' || body === null) return hetznerError(400, 'json_error', 'request body is not a JSON object');
  if (typeof body.name !== 'string' || body.name.trim() === '') return invalidInput('name', 'name is required');
  const parsed = parseUploadedKey(body.public_key);
  if (!parsed || !KEY_TYPES.includes(parsed.type)) return invalidInput('public_key', `SSH key type is invalid (supported types: ${KEY_TYPES.join(', ')})`);
  const labels = body.labels ?? {};
  const labelProblem = labelsProblem(labels);
  if (labelProblem) return invalidInput('labels', labelProblem);
  if (d.store.sshKey(body.name)) return hetznerError(409, 'uniqueness_error', 'SSH key with the same name already exists', { fields: [{ name: 'name' }] });
  if (d.store.sshKeyList().some((k) => k.fingerprint === parsed.fingerprint)) {
    // Verbatim the API's own example of a uniqueness_error (HZ-OAS "Errors").
    return hetznerError(409, 'uniqueness_error', 'SSH key with the same fingerprint already exists', { fields: [{ name: 'public_key' }] });
  }
  const key = d.store.addSshKey({ name: body.name, publicKey: (body.public_key as string).trim(), fingerprint: parsed.fingerprint, labels: labels as Record<string, string> });
  return { status: 201, body: { ssh_key: render(key) } };
}

function withKey(d: RouteDeps, id: number, fn: (k: SshKeyRecord) => SimResponse): SimResponse {
  const key = Number.isSafeInteger(id) ? d.store.sshKey(id) : undefined;
  return key ? fn(key) : hetznerError(404, 'not_found', 'SSH key not found');
}

function render(k: SshKeyRecord): Record<string, unknown> {
  return { id: k.id, name: k.name, fingerprint: k.fingerprint, public_key: k.publicKey, labels: { ...k.labels }, created: new Date(k.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}
