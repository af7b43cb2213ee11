import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { secretsOf, type ServeConfig } from '../config.js';
import type { Provider } from '../domain/manifest/types.js';
import { renderJson, renderText, runPreflight, summarise, type PreflightSetup } from '../preflight/index.js';
import type { ProviderCredentials } from '../providers/registry.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';
import { serveConfigFromArgs } from './serve.js';

export const PREFLIGHT_USAGE = `clusterops preflight [serve options] [--format text|json]

Checks a real setup without changing anything, with the configuration serve would use (--config,
environment, flags): the Git remote is readable and writable (git ls-remote, git push --dry-run),
the manifests are valid, the GitHub token works and has its scopes, and for each provider with
credentials: the token works and has its scopes, the regions and sizes the manifests use are
offered, the image exists there, clusterops' SSH key is (or can be) registered, and the quotas
leave room. One line per check (✓ passed, ✗ failed, - not checked, with why); exit 0 when nothing
failed, 1 otherwise. --demo checks the running demo's simulated cloud (<data-dir>/sim.json).`;

/** `clusterops preflight`: read-only checks of the configured setup. */
export async function runPreflightCommand(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(PREFLIGHT_USAGE);
    return 0;
  }
  const { format, rest } = takeFormat(args);
  const config = serveConfigFromArgs(rest);
  const setup = config.demo ? await demoSetup(config) : setupOf(config, config.credentials, config.endpoints);
  if (typeof setup === 'string') {
    io.err(`clusterops preflight: ${setup}`);
    return 1;
  }
  const results = await runPreflight(setup);
  io.out(format === 'json' ? renderJson(results) : renderText(results));
  return summarise(results).ok ? 0 : 1;
}

function takeFormat(args: string[]): { format: 'text' | 'json'; rest: string[] } {
  const rest: string[] = [];
  let format = 'text';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format') format = args[++i] ?? '';
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else rest.push(a);
  }
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be one of text, json, not "${format}"`);
  return { format, rest };
}

function setupOf(config: ServeConfig, credentials: ProviderCredentials, endpoints: Partial<Record<Provider, string>>, repo = config.repo): PreflightSetup {
  const source: PreflightSetup['source'] = config.local ? { kind: 'local', dir: config.local } : { kind: 'git', url: repo ?? '', branch: config.branch, env: config.gitEnv };
  return {
    source,
    credentials,
    endpoints,
    ...(config.github ? { github: { token: config.github.token, repo: config.github.repo, apiUrl: config.github.apiUrl } } : {}),
    dataDir: config.dataDir,
    ...(config.ownerId ? { ownerId: config.ownerId } : {}),
    secrets: secretsOf({ ...config, credentials }),
  };
}

/**
 * The demo's world as `npm start` made it: the simulated cloud's endpoints and credentials from
 * `<data-dir>/sim.json` and the bare repository `<data-dir>/remote.git`. Preflight starts nothing.
 */
async function demoSetup(config: ServeConfig): Promise<PreflightSetup | string> {
  const simFile = join(config.dataDir, 'sim.json');
  const remote = join(config.dataDir, 'remote.git');
  if (!existsSync(simFile) || !existsSync(remote)) {
    return `--demo checks a running demo, and ${config.dataDir} has none (no sim.json or remote.git): start it with npm start, then run preflight from another terminal with the same --data-dir`;
  }
  const sim = JSON.parse(await readFile(simFile, 'utf8')) as { endpoints: Record<Provider, string>; credentials: ProviderCredentials };
  return setupOf(config, sim.credentials, sim.endpoints, remote);
}
