import { startSimCloud } from '../../src/sim/cloud.js';
import { fleet, seedFleet } from './fleet.js';
import type { SimSpec } from './sim-process.js';

/** Child-process entry: starts (and seeds) the simulated cloud, prints its endpoints, runs until SIGTERM. */
const spec = JSON.parse(process.env.BENCH_SIM ?? '{}') as SimSpec;
// Seeded fleets count against DigitalOcean's droplet limit: an account that size has it raised.
const sim = await startSimCloud({ bootMs: spec.bootMs, deleteMs: spec.bootMs, digitalocean: { dropletLimit: 100_000 } });
const seeded = spec.fleet ? seedFleet(sim.emulators, spec.fleet.ownerId, fleet(spec.fleet.size)) : 0;
process.stdout.write(`${JSON.stringify({ endpoints: sim.endpoints(), credentials: sim.credentials, seeded })}\n`);
process.once('SIGTERM', () => {
  void sim.close().finally(() => process.exit(0));
});
// The benchmark that started this process may die without a SIGTERM: its pipe closing ends us too.
process.stdin.resume();
process.stdin.once('end', () => process.exit(0));
