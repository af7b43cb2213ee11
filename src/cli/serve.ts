import { parseArgs } from 'node:util';
import { ConfigError, readServeConfig, type ServeConfig, type ServeFlags } from '../config.js';
import { startClusterops } from '../main.js';
import { SimStateError } from '../sim/state/state-file.js';
import { DataDirLockedError } from '../store/lock.js';
import { OwnerConflictError } from '../store/owner-guard.js';
import { OwnerMismatchError, StoreCorruptError } from '../store/store.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';

export const SERVE_USAGE = `clusterops serve (--demo | --repo URL | --local DIR) [options]

  --config FILE        YAML settings (CLUSTEROPS_CONFIG; schema: schemas/config.schema.json);
                       the environment overrides the file, flags override both
  --demo               embedded default: a local bare repository seeded from example-repo/
                       and the simulated cloud, reconciled (what npm start runs)
  --repo URL           clone and watch this repository (CLUSTEROPS_REPO)
  --local DIR          watch a working tree's clusters/ (read-only; CLUSTEROPS_LOCAL)
  --branch NAME        tracked branch (CLUSTEROPS_BRANCH, default main)
  --data-dir DIR       state, clone and demo files (CLUSTEROPS_DATA_DIR, default ./.clusterops)
  --owner-id co-…      the owner tag of this instance's VMs (CLUSTEROPS_OWNER_ID); to adopt a
                       fleet after losing the data directory, the owner: of its status files
  --host H --port N    HTTP listener (HOST, PORT; default 127.0.0.1:3000)
  --poll-interval S    seconds between polls (CLUSTEROPS_POLL_INTERVAL, default 30; demo 5)
  --status-branch B    write status commits to this branch (CLUSTEROPS_STATUS_BRANCH)
  --no-status-commits  do not write status/<name>.yaml commits (CLUSTEROPS_STATUS_COMMITS=false)
  --log-level L        debug|info|warn|error|silent (CLUSTEROPS_LOG_LEVEL)
  --log-format F       pretty|json (CLUSTEROPS_LOG_FORMAT; default pretty on a terminal)
  --orchestration O    ssh (join nodes to Swarm / k3s over SSH, default) or vm-only
                       (CLUSTEROPS_ORCHESTRATION; CLUSTEROPS_DRAIN_TIMEOUT, seconds, default 600)
  --sim-boot-ms MS     demo: simulated VM boot time (default 3000)

Provider credentials come only from the environment (DIGITALOCEAN_TOKEN, HCLOUD_TOKEN,
AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY) or from files (the *_FILE variables or the config
file's tokenFile settings). Every setting: docs/configuration.md. Check a configuration without
starting anything: clusterops config check [the same options].`;

/** Parses `serve`'s options (also used by `config check`) into the configuration; usage errors name the setting. */
export function serveConfigFromArgs(args: string[]): ServeConfig {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean' },
      'no-status-commits': { type: 'boolean' },
      ...Object.fromEntries(['config', 'repo', 'local', 'branch', 'data-dir', 'owner-id', 'host', 'port', 'poll-interval', 'status-branch', 'log-level', 'log-format', 'sim-boot-ms', 'orchestration'].map((k) => [k, { type: 'string' as const }])),
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${SERVE_USAGE}`);
  try {
    return readServeConfig(values as ServeFlags, process.env, Boolean(process.stderr.isTTY));
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** Reasons not to start that the operator must act on: said in one line, exit status 1, no stack. */
const STARTUP_REFUSALS = [DataDirLockedError, OwnerConflictError, OwnerMismatchError, StoreCorruptError, SimStateError];

/** `clusterops serve`: runs until SIGTERM/SIGINT, then shuts down gracefully. */
export async function runServe(args: string[], io: CliIo): Promise<number> {
  const config = serveConfigFromArgs(args);
  let running;
  try {
    running = await startClusterops(config);
  } catch (err) {
    if (!(err instanceof Error) || !STARTUP_REFUSALS.some((refusal) => err instanceof refusal)) throw err;
    io.err(`clusterops serve: ${err.message}`);
    return 1;
  }
  io.out(`clusterops is serving on ${running.url}`);
  io.out(`  dashboard ${running.url}/   API ${running.url}/api (OpenAPI: /api/openapi.json)   metrics ${running.url}/metrics   health /healthz /readyz`);
  if (running.demoToken) {
    io.out(`demo API token (admin of org_abc123, also in ${config.dataDir}/demo-token unless set by CLUSTEROPS_DEMO_TOKEN):`);
    io.out(`  ${running.demoToken}`);
    io.out(`try: curl "${running.url}/api/cluster.all?organizationId=org_abc123" -H "Authorization: Bearer $(cat ${config.dataDir}/demo-token)"`);
  }
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  running.log.info({ signal }, 'shutting down: finishing running passes');
  const forced = setTimeout(() => {
    running.log.error({}, 'shutdown took longer than 30 s; exiting');
    process.exit(1);
  }, 30_000);
  forced.unref();
  await running.close();
  clearTimeout(forced);
  return 0;
}
