import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClusterRecord, StoreData } from '../store/types.js';
import { RepositoryLayoutError, readClusterEntries } from '../sources/local-files.js';
import { formatDiagnostic, loadRepository, type RepositoryLoad } from '../domain/manifest/repository.js';
import { renderPlanMarkdown, renderPlanText, type Plan } from '../domain/plan/index.js';
import { headPlan, identifyHead } from '../status/github/pr-identity.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';


export const USAGE = `Usage: clusterops <command> [options]

Commands:
  validate [repo-dir]   Check every clusters/*.yaml; prints file:line:col: message per problem
                        and exits 1 if any manifest is invalid. Options: --format text|json
  plan [repo-dir]       Validate, then print what the daemon would do to each cluster, against
                        the state it last observed (--data-dir, default CLUSTEROPS_DATA_DIR or
                        ./.clusterops; an empty cloud if there is none). Exit 0: no changes,
                        2: changes, 1: invalid or refused. Options: --format text|markdown|json
  serve                 Run the reconciler daemon and its HTTP API (--demo: on the embedded
                        simulated cloud; --repo URL or --local DIR otherwise; --config FILE)
  preflight             Check a real setup without changing anything, with the configuration
                        serve would use: Git remote readable and writable, manifests valid,
                        GitHub token and scopes, and per provider with credentials: token and
                        scopes, regions, sizes and image offered where the manifests use them,
                        SSH key registered, quotas. One ✓/✗/- line per check; exit 0 when
                        nothing failed, 1 otherwise. Options: the serve options (--demo: the
                        running demo's simulated cloud), --format text|json
  config check          Validate a configuration (the serve options, CLUSTEROPS_* variables,
                        --config FILE) without starting anything; prints it, secrets hidden.
                        Exit 0 valid, 1 invalid. Options: --json
  sim                   Run the simulated cloud (DigitalOcean, Hetzner, EC2 emulators)
                        until interrupted. Options: --port, --boot-ms, --delete-ms, --write,
                        --state FILE (keep its VMs across restarts)
  org create <org_id>   Create an organization. Options: --name
  user add <user_id>    Add a user to an organization, or change their role there.
                        Options: --org <org_id> --role admin|member, --name
  token create          Create an API token and print it (shown only once).
                        Options: --user <user_id>, --description
  token revoke <id>     Revoke an API token by its id (tok_…)
  token list            List tokens (never their values). Options: --user
  help                  Show this help

repo-dir defaults to the current directory. org, user and token edit D/accounts.json, where D is
--data-dir D (CLUSTEROPS_DATA_DIR, default ./.clusterops); a running daemon sees their changes.`;

type Command = (args: string[], io: CliIo) => Promise<number>;

const commands: Record<string, Command> = {
  validate: runValidate,
  plan: runPlan,
  // Loaded on demand: the emulators and SDKs are not needed to validate or plan.
  sim: async (args, io) => (await import('./sim.js')).runSim(args, io),
  serve: async (args, io) => (await import('./serve.js')).runServe(args, io),
  preflight: async (args, io) => (await import('./preflight.js')).runPreflightCommand(args, io),
  config: async (args, io) => (await import('./config.js')).runConfig(args, io),
  org: async (args, io) => (await import('./accounts.js')).runAccounts('org', args, io),
  user: async (args, io) => (await import('./accounts.js')).runAccounts('user', args, io),
  token: async (args, io) => (await import('./accounts.js')).runAccounts('token', args, io),
  help: async (_args, io) => {
    io.out(USAGE);
    return 0;
  },
};

/** Runs one CLI invocation and returns the exit code: 0 ok, 1 invalid input, 2 usage error. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.err(`clusterops: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError || String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`clusterops ${name}: ${(err as Error).message}`);
      return 2;
    }
    if (err instanceof RepositoryLayoutError) {
      io.err(`clusterops ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

function parse(args: string[], formats: string[]): { dir: string; format: string; dataDir?: string } {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', default: formats[0] }, 'data-dir': { type: 'string' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const format = parsed.values.format ?? formats[0]!;
  if (!formats.includes(format)) throw new UsageError(`--format must be one of ${formats.join(', ')}, not "${format}"`);
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one repo-dir, got ${parsed.positionals.length}`);
  return { dir: parsed.positionals[0] ?? '.', format, ...(parsed.values['data-dir'] ? { dataDir: parsed.values['data-dir'] } : {}) };
}

async function load(dir: string): Promise<RepositoryLoad> {
  return loadRepository(await readClusterEntries(dir));
}

async function runValidate(args: string[], io: CliIo): Promise<number> {
  const { dir, format } = parse(args, ['text', 'json']);
  const repo = await load(dir);
  const valid = repo.invalid.length === 0;
  if (format === 'json') {
    const clusters = repo.clusters.map((c) => ({ file: c.file, name: c.manifest.name, id: c.manifest.id ?? null }));
    io.out(JSON.stringify({ valid, clusters, diagnostics: repo.diagnostics }, null, 2));
  } else {
    for (const d of repo.diagnostics) (d.severity === 'error' ? io.err : io.out)(formatDiagnostic(d));
    const errors = repo.diagnostics.filter((d) => d.severity === 'error').length;
    const summary = valid
      ? `${repo.clusters.length} cluster manifest${repo.clusters.length === 1 ? '' : 's'} valid`
      : `${errors} error${errors === 1 ? '' : 's'} in ${repo.invalid.length} file${repo.invalid.length === 1 ? '' : 's'}`;
    (valid ? io.out : io.err)(summary);
  }
  return valid ? 0 : 1;
}

async function runPlan(args: string[], io: CliIo): Promise<number> {
  const { dir, format, dataDir } = parse(args, ['text', 'markdown', 'json']);
  const repo = await load(dir);
  for (const d of repo.diagnostics) io.err(formatDiagnostic(d));
  const stateFile = join(dataDir ?? process.env.CLUSTEROPS_DATA_DIR ?? '.clusterops', 'state.json');
  const records = await readRecords(stateFile);
  io.err(records ? `planning against the state observed in ${stateFile}` : `no daemon state at ${stateFile}: planning from an empty cloud`);
  const plans = planAgainstRecords(repo, records ?? []);
  if (format === 'json') io.out(JSON.stringify(plans, null, 2));
  else io.out(plans.map(format === 'markdown' ? renderPlanMarkdown : renderPlanText).join('\n\n'));
  if (repo.invalid.length > 0 || plans.some((p) => p.errors.length > 0)) return 1;
  return plans.some((p) => p.actions.length > 0) ? 2 : 0;
}

/**
 * Plans each valid manifest against the record of its id, as the daemon would: a manifest whose
 * `id:` line was removed plans against the cluster it restores, a changed immutable field refuses.
 */
function planAgainstRecords(repo: RepositoryLoad, records: readonly ClusterRecord[]): Plan[] {
  const scope = { base: loadRepository([]), headIds: new Set(repo.clusters.flatMap((c) => (c.manifest.id ? [c.manifest.id] : []))), records };
  return repo.clusters.map((c) => headPlan(c, identifyHead(c, scope), records));
}

/** The daemon's cluster records, read without opening (or writing) its store. */
async function readRecords(path: string): Promise<ClusterRecord[] | null> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as Partial<StoreData>;
    return data.version === 1 && data.clusters ? Object.values(data.clusters) : null;
  } catch {
    return null;
  }
}
