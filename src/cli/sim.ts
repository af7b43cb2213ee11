import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startSimCloud } from '../sim/cloud.js';
import { intOption } from './args.js';
import type { CliIo } from './run.js';

export const SIM_USAGE = `clusterops sim [--port N] [--boot-ms MS] [--delete-ms MS] [--write FILE]

Runs the simulated cloud (DigitalOcean, Hetzner Cloud and EC2 emulators) on loopback until
interrupted. --port N puts the emulators on N, N+1, N+2 (default: free ports); --write FILE
saves the endpoints and credentials as JSON (mode 0600).`;

/** `clusterops sim`: the simulated cloud standalone; resolves when SIGINT/SIGTERM arrives. */
export async function runSim(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '0' },
      'boot-ms': { type: 'string', default: '3000' },
      'delete-ms': { type: 'string', default: '1000' },
      write: { type: 'string' },
    },
  });
  const port = intOption('--port', values.port, 0, 65533);
  const bootMs = intOption('--boot-ms', values['boot-ms'], 0, 600_000);
  const deleteMs = intOption('--delete-ms', values['delete-ms'], 0, 600_000);
  const cloud = await startSimCloud({ portBase: port, bootMs, deleteMs });
  const info = { endpoints: cloud.endpoints(), credentials: cloud.credentials };
  if (values.write) await writeFile(values.write, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  io.out('clusterops simulated cloud is running:');
  for (const [provider, url] of Object.entries(info.endpoints)) io.out(`  ${provider.padEnd(12)} ${url}`);
  io.out(`  admin        <endpoint origin>/__sim/state, /__sim/faults`);
  io.out(values.write ? `credentials written to ${values.write}` : 'credentials: pass --write FILE to save them');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cloud.close();
  return 0;
}
