import { systemClock } from '../common/clock.js';
import { FaultInjector } from '../common/faults.js';
import { serveEmulator } from '../common/http.js';
import { IpPool } from '../common/ip-pool.js';
import type { EmulatorOptions, RunningEmulator } from '../common/types.js';
import { toDoTags } from '../../providers/ownership.js';
import { DoAccount } from './account.js';
import { createDoCatalog } from './catalog.js';
import { createDoHandler } from './handler.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { createDoRenderer } from './render.js';
import { DropletStore } from './store.js';

/** The DigitalOcean emulator, with the simulated account behind its tokens (tests change it). */
export interface DigitalOceanEmulator extends RunningEmulator {
  readonly account: DoAccount;
}

/** The options of every emulator, and the account limits of a DigitalOcean one (also set over `PUT /__sim/limits`). */
export interface DigitalOceanEmulatorOptions extends EmulatorOptions {
  /** Droplets the account may have at once; default 25. */
  dropletLimit?: number;
  /** Droplets that may be in creation (`new`) at once; default 10, as DigitalOcean documents. */
  concurrentCreateLimit?: number;
}

/** The image seeded droplets run; creates may name any image the emulator knows. */
const SEED_IMAGE = 'ubuntu-24-04-x64';

/**
 * Starts an emulator of the DigitalOcean v2 droplet API on loopback (DESIGN §8, reference §1).
 * Droplets are `new` for `bootMs` after the create, then `active` with their networks; a DELETE
 * answers 204 and the droplet is gone `deleteMs` later (status `off`, `locked` meanwhile).
 * Seeded droplets are active at once. Status is computed from the clock on every read.
 * As strict as DigitalOcean: a DELETE while the create is in progress is refused (422 pending
 * event), the account has a droplet limit and at most 10 creates in progress, a listing by a tag
 * no droplet ever carried is a 404, and burst 429s say `ratelimit-remaining: 0`.
 */
export async function startDigitalOceanEmulator(options: DigitalOceanEmulatorOptions): Promise<DigitalOceanEmulator> {
  const faults = options.faults ?? new FaultInjector();
  const account = new DoAccount();
  const catalog = createDoCatalog(undefined, account);
  const store = new DropletStore({
    clock: options.clock ?? systemClock,
    ips: options.ips ?? new IpPool(),
    hooks: options.hooks ?? {},
    bootMs: options.bootMs ?? 0,
    deleteMs: options.deleteMs ?? 0,
    ...(options.listingLagMs ? { listLagMs: options.listingLagMs } : {}),
    ...(options.dropletLimit !== undefined ? { dropletLimit: options.dropletLimit } : {}),
    ...(options.concurrentCreateLimit !== undefined ? { concurrentCreateLimit: options.concurrentCreateLimit } : {}),
  });
  if (options.resume !== undefined) store.restore(options.resume);
  const handler = createDoHandler({
    store,
    account,
    catalog,
    render: createDoRenderer(catalog),
    limiter: new SlidingWindowLimiter(options.rateLimitScale ?? 1),
    credentials: new Set(options.credentials),
  });
  const server = await serveEmulator(handler, faults, { port: options.port ?? 0, afterRequest: options.afterRequest });
  return {
    provider: 'digitalocean',
    endpoint: `${server.url}/v2`,
    account,
    faults,
    calls: () => server.calls,
    vms: () => store.list().map((d) => store.view(d)),
    seedVm: ({ region, size, name, tags }) => store.view(store.create({ name, region, size, image: SEED_IMAGE, tags: toDoTags(tags) }, 0).droplet),
    snapshot: () => store.snapshot(),
    requests: server.requests,
    close: () => server.close(),
  };
}
