import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startSimCloud } from '../sim/cloud.js';
import { SimStateError } from '../sim/state/state-file.js';
import { intOption, UsageError } from './args.js';
import type { CliIo } from './io.js';

export const SIM_USAGE = `clusterops sim [--port N] [--boot-ms MS] [--delete-ms MS] [--listing-lag-ms MS] [--write FILE] [--state FILE]

Runs the simulated cloud (DigitalOcean, Hetzner Cloud and EC2 emulators) on loopback until
interrupted. --port N puts the emulators on N, N+1, N+2 (default: free ports); --listing-lag-ms
MS keeps new VMs out of DigitalOcean and EC2 listings for MS (default 1000, as real clouds are
eventually consistent); --write FILE
saves the endpoints and credentials as JSON (mode 0600). --state FILE keeps the cloud's VMs,
addresses and credentials in FILE (mode 0600): saved after every change, resumed from at the
next start; delete it to start with an empty simulated cloud.`;

/** `clusterops sim`: the simulated cloud standalone; resolves when SIGINT/SIGTERM arrives. */
export async function runSim(args: string[], io: CliIo): Promise<number> {
  const { values } = parseSimArgs(args);
  const port = intOption('--port', values.port, 0, 65533);
  const bootMs = intOption('--boot-ms', values['boot-ms'], 0, 600_000);
  const deleteMs = intOption('--delete-ms', values['delete-ms'], 0, 600_000);
  const listingLagMs = intOption('--listing-lag-ms', values['listing-lag-ms'], 0, 600_000);
  let cloud;
  try {
    cloud = await startSimCloud({ portBase: port, bootMs, deleteMs, listingLagMs, ...(values.state ? { state: values.state } : {}) });
  } catch (err) {
    if (!(err instanceof SimStateError)) throw err;
    io.err(`clusterops sim: ${err.message}`);
    return 1;
  }
  const info = { endpoints: cloud.endpoints(), credentials: cloud.credentials };
  if (values.write) await writeFile(values.write, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  io.out('clusterops simulated cloud is running:');
  for (const [provider, url] of Object.entries(info.endpoints)) io.out(`  ${provider.padEnd(12)} ${url}`);
  io.out(`  admin        <endpoint origin>/__sim/state, /__sim/requests, /__sim/faults`);
  io.out(values.write ? `credentials written to ${values.write}` : 'credentials: pass --write FILE to save them');
  if (values.state) io.out(`state kept in ${values.state}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cloud.close();
  return 0;
}

function parseSimArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        port: { type: 'string', default: '0' },
        'boot-ms': { type: 'string', default: '3000' },
        'delete-ms': { type: 'string', default: '1000' },
        'listing-lag-ms': { type: 'string', default: '1000' },
        write: { type: 'string' },
        state: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${SIM_USAGE}`);
  }
}
