import { randomUUID } from 'node:crypto';
import { systemClock } from '../common/clock.js';
import { FaultInjector } from '../common/faults.js';
import { serveEmulator, type EmulatorHandler } from '../common/http.js';
import { IpPool } from '../common/ip-pool.js';
import type { EmulatorOptions, RunningEmulator, SimVmView } from '../common/types.js';
import { Ec2Account } from './account.js';
import { faultError } from './api-error.js';
import { routeEc2, type Ec2Backend } from './dispatch.js';
import { Throttle } from './throttle.js';
import { Ec2World } from './world.js';
import { errorResponse } from './xml.js';

/** EC2-only settings on top of the ones every emulator takes. */
export interface AwsEmulatorOptions extends EmulatorOptions {
  /** How long a new instance stays unknown to Describe/Terminate/CreateTags by id (default `listingLagMs`, else 0). */
  consistencyMs?: number;
  /** How long a terminated instance stays visible in Describe (default 1 h, as EC2). */
  terminatedVisibleMs?: number;
  /** Live instances allowed per Region before `InstanceLimitExceeded` (default 10 000). */
  instanceLimit?: number;
  /** Port to listen on (default: any free port). */
  port?: number;
}

/** The EC2 emulator, with the simulated account behind its access keys (tests change it). */
export interface AwsEmulator extends RunningEmulator {
  readonly account: Ec2Account;
}

const HOUR = 60 * 60 * 1000;
const SEED_IMAGE = 'ami-0abcdef1234567890';

/**
 * Starts the EC2 Query API emulator on loopback. Endpoint: `http://127.0.0.1:<port>` (the SDK
 * posts to `/`). The Region of a call is the one in its SigV4 credential scope.
 */
export async function startAwsEmulator(options: AwsEmulatorOptions): Promise<AwsEmulator> {
  const clock = options.clock ?? systemClock;
  const faults = options.faults ?? new FaultInjector();
  const world = new Ec2World({
    clock,
    ips: options.ips ?? new IpPool(),
    hooks: options.hooks ?? {},
    bootMs: options.bootMs ?? 0,
    deleteMs: options.deleteMs ?? 0,
    consistencyMs: options.consistencyMs ?? options.listingLagMs ?? 0,
    terminatedVisibleMs: options.terminatedVisibleMs ?? HOUR,
  });
  const account = new Ec2Account();
  if (options.resume !== undefined) world.restore(options.resume);
  const backend: Ec2Backend = {
    world,
    account,
    throttle: new Throttle(clock, options.rateLimitScale ?? 1),
    credentials: new Set(options.credentials),
    instanceLimit: options.instanceLimit ?? 10_000,
  };
  const server = await serveEmulator(handlerFor(backend), faults, { port: options.port ?? 0, afterRequest: options.afterRequest });
  const live = (): SimVmView[] => {
    world.sweep();
    return [...world.instances.values()].map((i) => world.view(i)).filter((v) => v.status !== 'terminated');
  };
  return {
    provider: 'aws',
    endpoint: server.url,
    account,
    faults,
    calls: () => server.calls,
    vms: live,
    seedVm: (input) => {
      const spec = { region: input.region, availabilityZone: `${input.region}a`, imageId: SEED_IMAGE, instanceType: input.size, tags: { ...input.tags, Name: input.name } };
      const reservation = world.launch(spec, 1, undefined, true);
      return world.view(world.instances.get(reservation.instanceIds[0]!)!);
    },
    snapshot: () => world.snapshot(),
    requests: server.requests,
    close: () => server.close(),
  };
}

function handlerFor(backend: Ec2Backend): EmulatorHandler {
  return {
    route: (req) => routeEc2(backend, req),
    faultResponse: (status) => errorResponse(faultError(status), randomUUID()),
    state: () => {
      backend.world.sweep();
      return { instances: [...backend.world.instances.values()].map((i) => backend.world.view(i)), reservations: backend.world.reservations.size };
    },
    writeOperations: ['RunInstances', 'TerminateInstances', 'CreateTags'],
  };
}
