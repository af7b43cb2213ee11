import { StalledError, TransientError } from '../../reconcile/errors.js';
import { OWNER_ID, REQUEST_TOKEN, TAG, ownershipTags, readOwnership, vmName } from '../ownership.js';
import { ProviderKeyCache, readPublicKey, withProviderKey } from '../ssh-keys.js';
import type { AdapterOptions, CreateVmRequest, ObservedVm, ProviderAdapter } from '../types.js';
import type { CreateServerRequest, HetznerServer } from './api-types.js';
import { DEFAULT_TIMEOUT_MS, HETZNER_PUBLIC_ENDPOINT, createHetznerClient } from './http-client.js';
import { toObservedVm } from './observed-vm.js';
import { createServersApi, type ServersApi } from './servers-api.js';
import { ensureHetznerSshKey } from './ssh-keys-api.js';
import { composeUserData } from './user-data.js';

/** The image of new servers when none is configured. */
export const DEFAULT_IMAGE = 'ubuntu-24.04';

/** What the Hetzner adapter needs: the common options, the project's API token, and its side effects. */
export interface HetznerAdapterConfig extends AdapterOptions {
  token: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Wall clock for durations and the rate budget; defaults to `Date.now`. */
  now?: () => number;
  /** Image for new servers; default `ubuntu-24.04`. */
  image?: string;
}

/**
 * Hetzner Cloud behind the ProviderAdapter contract. Idempotency comes from Hetzner's unique
 * server names: the name is derived from the node (`vmName`), so a repeated create answers 409
 * `uniqueness_error` and the server is adopted if its labels carry this owner and request token.
 * Servers are created with clusterops' SSH key registered in the project (`ssh_keys`), so Hetzner
 * sets no root password that would have to be changed before any command runs.
 */
export function createHetznerAdapter(config: HetznerAdapterConfig): ProviderAdapter {
  if (!OWNER_ID.test(config.ownerId)) throw new Error(`owner id "${config.ownerId}" is not a valid label value`);
  const client = createHetznerClient({
    token: config.token,
    endpoint: config.endpoint ?? HETZNER_PUBLIC_ENDPOINT,
    fetch: config.fetch ?? globalThis.fetch,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    now: config.now ?? Date.now,
    ...(config.recorder ? { recorder: config.recorder } : {}),
  });
  const servers = createServersApi(client);
  const { ownerId } = config;
  const keys = new ProviderKeyCache((key) => ensureHetznerSshKey(client, ownerId, key));
  const observe = (server: HetznerServer): ObservedVm | null => {
    const owned = readOwnership(server.labels, ownerId);
    return owned ? toObservedVm(server, owned) : null;
  };

  return {
    provider: 'hetzner',
    async observe(regions) {
      if (regions.length === 0) return [];
      const found = await servers.listAll({ labelSelector: `${TAG.owner}=${ownerId}` });
      return found.filter((s) => regions.includes(s.location.name)).flatMap((s) => observe(s) ?? []);
    },
    async create(req) {
      const body = createBody(req, ownerId, config.image ?? DEFAULT_IMAGE);
      // clusterops' key is registered on first use and named in `ssh_keys`, besides its cloud-init copy.
      const key = req.sshPublicKey ? readPublicKey(req.sshPublicKey) : undefined;
      const result = await withProviderKey(keys, key, (ids) => servers.create({ ...body, ...(ids.length > 0 ? { ssh_keys: ids } : {}) }), 'Hetzner servers.create');
      if (result !== 'nameTaken') return observe(result.server) ?? unreadable(result.server);
      return adopt(servers, body.name, req, observe);
    },
    async delete(vm) {
      const id = serverId(vm.providerId);
      const server = await servers.get(id);
      if (!server || server.status === 'deleting') return;
      if (server.labels[TAG.owner] !== ownerId) {
        throw new StalledError('NotOwned', `Hetzner server ${id} (${server.name}) is not owned by this clusterops instance; not deleting it`);
      }
      await servers.delete(id);
    },
    async get(vm) {
      const server = await servers.get(serverId(vm.providerId));
      return server ? observe(server) : null;
    },
  };
}

function serverId(providerId: string): number {
  const id = Number(providerId);
  if (!Number.isSafeInteger(id) || id <= 0) throw new StalledError('InvalidRequest', `"${providerId}" is not a Hetzner server id`);
  return id;
}

function createBody(req: CreateVmRequest, ownerId: string, image: string): CreateServerRequest {
  const labels = ownershipTags(ownerId, req);
  if (!REQUEST_TOKEN.test(req.requestToken)) throw new StalledError('InvalidRequest', 'request token must be 1–63 characters of [A-Za-z0-9._-]');
  if (!readOwnership(labels, ownerId)) throw new StalledError('InvalidRequest', `role "${req.role}" or plan "${req.plan}" is not valid`);
  const userData = composeUserData(req.userData, req.sshPublicKey);
  if (typeof userData === 'string') throw new StalledError('InvalidRequest', userData);
  return {
    name: vmName(req, ownerId),
    server_type: req.size,
    location: req.region,
    image,
    labels,
    start_after_create: true,
    ...(userData.userData !== undefined ? { user_data: userData.userData } : {}),
    public_net: { enable_ipv4: true, enable_ipv6: true },
  };
}

/** The name is taken: it is our server if its labels carry our owner id and this request's token. */
async function adopt(servers: ServersApi, name: string, req: CreateVmRequest, observe: (s: HetznerServer) => ObservedVm | null): Promise<ObservedVm> {
  const [existing] = await servers.listAll({ name });
  if (!existing) {
    // Deleted between our create and this lookup: nothing holds the name now, so a retry creates.
    throw new TransientError('NameConflict', `Hetzner: the name ${name} was taken a moment ago but is free now`);
  }
  const vm = observe(existing);
  if (!vm || vm.requestToken !== req.requestToken) {
    throw new StalledError('NameTaken', `Hetzner server ${existing.id} already has the name ${name} and was not made by this request`);
  }
  if (existing.status === 'deleting') {
    throw new TransientError('NameBusy', `Hetzner server ${existing.id} (${name}) is being deleted; its name frees up when it is gone`);
  }
  return vm;
}

function unreadable(server: HetznerServer): never {
  throw new StalledError('InvalidResponse', `Hetzner returned server ${server.id} without the ownership labels it was created with`);
}
