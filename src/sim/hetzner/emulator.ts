import { systemClock } from '../common/clock.js';
import { FaultInjector } from '../common/faults.js';
import { serveEmulator } from '../common/http.js';
import { IpPool } from '../common/ip-pool.js';
import type { EmulatorOptions, RunningEmulator } from '../common/types.js';
import { setUnavailable, unavailableAdmin, unavailableView, type Placement } from './admin.js';
import { createCatalogueView } from './catalogue-view.js';
import { createHetznerHandler } from './handler.js';
import { RateLimiter } from './rate-limit.js';
import { HetznerProject } from './project.js';
import { createRenderer, type Renderer } from './render.js';
import { createRoutes } from './routes.js';
import { ServerStore } from './server-store.js';
import { validateCreate } from './validate-create.js';

/** The Hetzner emulator, with the simulated project behind its tokens (tests change it). */
export interface HetznerEmulator extends RunningEmulator {
  readonly project: HetznerProject;
}

/** The options of every emulator, and what a Hetzner one has out of stock (also set over `PUT /__sim/unavailable`). */
export interface HetznerEmulatorOptions extends EmulatorOptions {
  /** Server types that cannot be placed in a location for now: creates there answer 412 `resource_unavailable`. */
  unavailable?: Placement[];
}

/**
 * Starts an emulator of the Hetzner Cloud API v1 as it is today (provider-apis.md §2) on
 * loopback. `endpoint` is `http://127.0.0.1:<port>/v1`. Operation names for faults and counts:
 * `servers.list`, `servers.create`, `servers.get`, `servers.delete`, `servers.actions`,
 * `actions.get`, `actions.list`, `locations.list`, `serverTypes.list`, `images.list`, `ssh_keys.list`,
 * `ssh_keys.create`, `ssh_keys.get`, `ssh_keys.delete`. A server created without a project key in
 * `ssh_keys` gets a root password (`root_password`), and its view says `providerSshKey: false`. As
 * strict as Hetzner: a DELETE while the create action runs is 423 `locked`, and a server type out
 * of stock in a location is 412 `resource_unavailable`.
 */
export async function startHetznerEmulator(options: HetznerEmulatorOptions): Promise<HetznerEmulator> {
  const clock = options.clock ?? systemClock;
  const faults = options.faults ?? new FaultInjector();
  const project = new HetznerProject();
  const catalogue = createCatalogueView(undefined, project);
  let render: Renderer | undefined;
  const store = new ServerStore({
    clock,
    ips: options.ips ?? new IpPool(),
    hooks: options.hooks ?? {},
    bootMs: options.bootMs ?? 0,
    deleteMs: options.deleteMs ?? 0,
    view: (s) => render!.vmView(s),
  });
  if (options.resume !== undefined) store.restore(options.resume);
  setUnavailable(project, options.unavailable ?? []);
  render = createRenderer(store, catalogue, () => clock.now());
  const vms = () => store.list().map(render.vmView);
  const handler = createHetznerHandler({
    credentials: options.credentials,
    readOnlyTokens: project.readOnlyTokens,
    limiter: new RateLimiter(clock, options.rateLimitScale ?? 1),
    routes: createRoutes({ store, render, catalogue, project }),
    state: () => ({ servers: store.list().map(render.server), sshKeys: store.sshKeyList(), unavailable: unavailableView(project), refusals: { ...store.counters } }),
    admin: unavailableAdmin(project, () => store.counters.refusedUnavailable),
  });
  const server = await serveEmulator(handler, faults, { port: options.port ?? 0, afterRequest: options.afterRequest });
  return {
    provider: 'hetzner',
    endpoint: `${server.url}/v1`,
    project,
    faults,
    calls: () => server.calls,
    vms,
    seedVm(input) {
      const valid = validateCreate({ name: input.name, server_type: input.size, location: input.region, image: 'ubuntu-24.04', labels: input.tags }, catalogue);
      if ('status' in valid) throw new Error(`seedVm: not a valid Hetzner server: ${JSON.stringify(valid.body)}`);
      if (store.byName(input.name)) throw new Error(`seedVm: a server named ${input.name} already exists`);
      return render.vmView(store.create(valid).server);
    },
    snapshot: () => store.snapshot(),
    requests: server.requests,
    close: () => server.close(),
  };
}
