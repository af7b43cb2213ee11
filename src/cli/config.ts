import { stringify } from 'yaml';
import { describeConfig } from '../config.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';
import { serveConfigFromArgs } from './serve.js';

/**
 * `clusterops config check [serve options]`: builds the configuration exactly as `serve` would
 * (file, environment, flags; credential files read) and prints it, secrets as "(set)". Starts
 * nothing. Exit 0 when valid, 1 with the reason when not.
 */
export async function runConfig(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check') throw new UsageError(`config: expected "check", got ${sub === undefined ? 'nothing' : `"${sub}"`}`);
  const json = rest.includes('--json');
  try {
    const config = serveConfigFromArgs(rest.filter((a) => a !== '--json'));
    const view = describeConfig(config);
    io.out(json ? JSON.stringify(view, null, 2) : `configuration is valid${config.file ? ` (${config.file}, environment and flags)` : ' (environment and flags)'}:\n${stringify(view).trimEnd()}`);
    return 0;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`clusterops config check: ${err.message}`);
    return 1;
  }
}
