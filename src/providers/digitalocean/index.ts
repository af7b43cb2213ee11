import { StalledError, TransientError } from '../../reconcile/errors.js';
import { OWNER_ID, REQUEST_TOKEN, vmName } from '../ownership.js';
import { explainKeyFailure, ProviderKeyCache, providerKeyName, readPublicKey, withProviderKey, type ProviderPublicKey } from '../ssh-keys.js';
import type { AdapterOptions, CreateVmRequest, ObservedVm, ProviderAdapter } from '../types.js';
import { createDropletsApi, type DropletsApi } from './client.js';
import { CreateSlots, DO_CONCURRENT_CREATES } from './create-slots.js';
import { createTags, isBeingDestroyed, ownedBy, ownerTag, regionOf, tokenTag, toObservedVm, userDataWithKey, type DropletJson } from './droplets.js';

export const DEFAULT_IMAGE = 'ubuntu-24-04-x64';
const DEFAULT_TIMEOUT_MS = 15_000;
/** A guard against an API that never stops paging (200 × 500 = 100 000 droplets). */
const MAX_PAGES = 500;

/** A DigitalOcean account: one API token, plus the settings every adapter takes. */
export interface DigitalOceanAdapterConfig extends AdapterOptions {
  token: string;
  /** Wall-clock time in ms since the epoch, compared with `ratelimit-reset`; `Date.now` when absent. */
  now?: () => number;
  /** Requests of the hourly budget the adapter leaves unspent (default 10). */
  rateLimitReserve?: number;
  /** Image slug of new droplets (default `ubuntu-24-04-x64`). */
  image?: string;
  /** Droplets this adapter has in creation at once, across all clusters (default 10, DigitalOcean's per-account limit). */
  concurrentCreates?: number;
}

/**
 * The DigitalOcean adapter over `dots-wrapper` (DESIGN §7), with the failure contract of
 * `ProviderAdapter`. DigitalOcean has no idempotency key, so `create` lists by the request-token
 * tag first and adopts what it finds (DESIGN §3). The hourly rate budget is read from the
 * answers' headers; when it is down to the reserve, or a 429 said to wait, calls fail with
 * `TransientError('RateLimited')` without reaching the API. Droplets are created with
 * clusterops' SSH key registered on the account (`ssh_keys`), so DigitalOcean sets no root
 * password that would have to be changed before any command runs. The account creates at most 10
 * droplets at a time: past that, `create` fails with `TransientError('CreateLimit')` without a
 * call until one of the adapter's droplets in creation is active (`CreateSlots`).
 */
export function createDigitalOceanAdapter(config: DigitalOceanAdapterConfig): ProviderAdapter {
  if (!OWNER_ID.test(config.ownerId)) throw new Error(`owner id "${config.ownerId}" does not fit DigitalOcean tags`);
  const api = createDropletsApi({
    token: config.token,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    now: config.now ?? Date.now,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.recorder ? { recorder: config.recorder } : {}),
    ...(config.rateLimitReserve !== undefined ? { reserve: config.rateLimitReserve } : {}),
  });
  const { ownerId } = config;
  const image = config.image ?? DEFAULT_IMAGE;
  const keys = new ProviderKeyCache((key) => ensureSshKey(api, ownerId, key));
  const inFlight = new Map<string, Promise<ObservedVm>>();
  const slots = new CreateSlots(config.concurrentCreates ?? DO_CONCURRENT_CREATES, config.now ?? Date.now);
  const ours = async () => {
    const droplets = await listAll(api, ownerTag(ownerId));
    for (const d of droplets) slots.seen(d);
    return droplets;
  };
  const account: Account = { api, ownerId, image, keys, slots, ours };
  return {
    provider: 'digitalocean',
    async observe(regions) {
      const wanted = new Set(regions);
      const droplets = await ours();
      return droplets.filter((d) => wanted.has(regionOf(d))).flatMap((d) => toObservedVm(d, ownerId) ?? []);
    },
    create(req) {
      // Two overlapping creates of one token in this process share one call, so they cannot race to two droplets.
      const running = inFlight.get(req.requestToken);
      if (running) return running;
      const p = createOnce(account, req).finally(() => inFlight.delete(req.requestToken));
      inFlight.set(req.requestToken, p);
      return p;
    },
    delete: (vm) => deleteOwned(account, vm.providerId),
    async get(vm) {
      const droplet = await api.get(dropletId(vm.providerId));
      return droplet ? toObservedVm(droplet, ownerId) : null;
    },
  };
}

/** What the adapter's operations share: the API, this instance's owner id, its key, the create slots. */
interface Account {
  api: DropletsApi;
  ownerId: string;
  image: string;
  keys: ProviderKeyCache<number>;
  slots: CreateSlots;
  /** Every droplet this instance owns (updating the slots). */
  ours(): Promise<DropletJson[]>;
}

/**
 * Lists by the request-token tag first and adopts what it finds; creates only when nothing is
 * there, naming clusterops' registered key in `ssh_keys` (registered on first use) besides the
 * cloud-init copy of it.
 */
async function createOnce({ api, ownerId, image, keys, slots, ours }: Account, req: CreateVmRequest): Promise<ObservedVm> {
  if (!REQUEST_TOKEN.test(req.requestToken)) throw new StalledError('InvalidRequest', 'request token does not fit DigitalOcean tags');
  // The slot first: while ten creates are in progress, a create waits without a token listing of
  // its own (fifty nodes would otherwise list fifty times per retry and run into the burst limit).
  await slots.take(ours);
  let existing: ObservedVm | undefined;
  try {
    existing = (await listAll(api, tokenTag(req.requestToken))).map((d) => toObservedVm(d, ownerId)).find((vm) => vm !== null);
  } catch (err) {
    slots.settle();
    throw err;
  }
  if (existing) {
    slots.settle();
    return existing;
  }
  const userData = userDataWithKey(req);
  const key = req.sshPublicKey ? readPublicKey(req.sshPublicKey) : undefined;
  const body = {
    name: vmName(req, ownerId),
    region: req.region,
    size: req.size,
    image,
    tags: createTags(ownerId, req),
    ...(userData !== undefined ? { user_data: userData } : {}),
  };
  let droplet: DropletJson | undefined;
  try {
    droplet = await withProviderKey(keys, key, (ids) => api.create({ ...body, ...(ids.length > 0 ? { ssh_keys: ids } : {}) }), 'DigitalOcean droplets.create');
  } finally {
    slots.settle(droplet);
  }
  const vm = toObservedVm(droplet, ownerId);
  if (!vm) throw new TransientError('BadResponse', 'DigitalOcean droplets.create: the new droplet lacks its tags');
  return vm;
}

/**
 * Makes sure the account holds clusterops' key: looked up by its MD5 fingerprint
 * (`GET /v2/account/keys/{fingerprint}` takes an id or a fingerprint, DO-OAS
 * `ssh_keys/parameters/ssh_key_identifier.yml`; the listing, limited to 10 calls a minute, is never
 * used), registered when absent. Public keys are unique per account: a 422 "already in use" means
 * another process registered it meanwhile, so it is read again.
 */
async function ensureSshKey(api: DropletsApi, ownerId: string, key: ProviderPublicKey): Promise<number> {
  try {
    const found = await api.getSshKey(key.md5);
    if (found) return found.id;
    const created = await api.createSshKey({ name: providerKeyName(ownerId, key), public_key: key.line });
    if (created !== 'inUse') return created.id;
    const raced = await api.getSshKey(key.md5);
    if (raced) return raced.id;
    throw new TransientError('SshKeyConflict', `DigitalOcean says SSH key ${key.md5} is in use on the account, but cannot find it`);
  } catch (err) {
    throw explainKeyFailure(err, 'DigitalOcean', 'ssh_key:read and ssh_key:create');
  }
}

/** Reads the droplet first: gone is success, someone else's is refused. */
async function deleteOwned({ api, ownerId, slots }: Account, providerId: string): Promise<void> {
  const id = dropletId(providerId);
  const droplet = await api.get(id);
  if (!droplet) return slots.forget(id);
  slots.seen(droplet);
  if (!ownedBy(droplet, ownerId)) throw new StalledError('NotOwned', `droplet ${id} is not owned by this clusterops instance`);
  // A destroy under way is success; a second DELETE would be refused as a pending event.
  if (isBeingDestroyed(droplet)) return;
  // Still being created: DigitalOcean refuses the DELETE as a pending event (transient), retried later.
  await api.delete(id);
  slots.forget(id);
}

function dropletId(providerId: string): number {
  if (!/^\d+$/.test(providerId)) throw new StalledError('InvalidRequest', `"${providerId}" is not a droplet id`);
  return Number(providerId);
}

/** Every droplet carrying `tag`, following `links.pages.next` at the largest page size. */
async function listAll(api: DropletsApi, tag: string): Promise<DropletJson[]> {
  const byId = new Map<number, DropletJson>();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { droplets, hasNext } = await api.list(tag, page);
    // Droplets created meanwhile can shift a page; the map drops the repeats.
    for (const d of droplets) byId.set(d.id, d);
    if (!hasNext) return [...byId.values()];
  }
  throw new TransientError('BadResponse', `DigitalOcean droplets.list: more than ${MAX_PAGES} pages`);
}
