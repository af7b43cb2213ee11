import { systemClock } from '../common/clock.js';
import { FaultInjector } from '../common/faults.js';
import { serveEmulator } from '../common/http.js';
import { IpPool } from '../common/ip-pool.js';
import type { EmulatorOptions, RunningEmulator } from '../common/types.js';
import { createCatalogueView } from './catalogue-view.js';
import { createHetznerHandler } from './handler.js';
import { RateLimiter } from './rate-limit.js';
import { createRenderer, type Renderer } from './render.js';
import { createRoutes } from './routes.js';
import { ServerStore } from './server-store.js';
import { validateCreate } from './validate-create.js';

/**
 * Starts an emulator of the Hetzner Cloud API v1 as it is today (provider-apis.md §2) on
 * loopback. `endpoint` is `http://127.0.0.1:<port>/v1`. Operation names for faults and counts:
 * `servers.list`, `servers.create`, `servers.get`, `servers.delete`, `servers.actions`,
 * `actions.get`, `actions.list`, `ssh_keys.list`, `ssh_keys.create`, `ssh_keys.get`, `ssh_keys.delete`.
 * A server created without a project key in `ssh_keys` gets a root password (`root_password`),
 * and its view says `providerSshKey: false`.
 */
export async function startHetznerEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const clock = options.clock ?? systemClock;
  const faults = options.faults ?? new FaultInjector();
  const catalogue = createCatalogueView();
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
  render = createRenderer(store, catalogue, () => clock.now());
  const vms = () => store.list().map(render.vmView);
  const handler = createHetznerHandler({
    credentials: options.credentials,
    limiter: new RateLimiter(clock, options.rateLimitScale ?? 1),
    routes: createRoutes({ store, render, catalogue }),
    state: () => ({ servers: store.list().map(render.server), sshKeys: store.sshKeyList() }),
  });
  const server = await serveEmulator(handler, faults, { port: options.port ?? 0, afterRequest: options.afterRequest });
  return {
    provider: 'hetzner',
    endpoint: `${server.url}/v1`,
    faults,
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
