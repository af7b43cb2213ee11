import { refusingExpiredPassword } from './runner.js';
import type { CommandResult, SshRunner } from './types.js';

/** Anything that runs a command on a host by address in process, like `SimHostFleet`. */
export interface InProcessHosts {
  exec(ip: string, command: string): Promise<CommandResult>;
}

/**
 * An `SshRunner` without a transport: `run(target, cmd)` is `hosts.exec(target.host, cmd)`, so
 * orchestrator tests get the simulated hosts' exact results (and their `TransientError` for a
 * host that is down or gone, and the runner's `PasswordExpired`) without SSH servers. Port and
 * username are ignored.
 */
export function createFleetRunner(hosts: InProcessHosts): SshRunner {
  return {
    run: async (target, command) => refusingExpiredPassword(target, await hosts.exec(target.host, command)),
    close: async () => undefined,
  };
}
