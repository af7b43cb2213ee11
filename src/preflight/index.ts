import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { simpleGit } from 'simple-git';
import { formatDiagnostic, loadRepository, type RepoEntry } from '../domain/manifest/repository.js';
import type { Provider } from '../domain/manifest/types.js';
import { DEFAULT_TIMEOUT_MS as AWS_TIMEOUT_MS, SIMULATED_IMAGE_ID } from '../providers/aws/adapter.js';
import { createEc2Clients } from '../providers/aws/client.js';
import { DEFAULT_IMAGE as DO_IMAGE } from '../providers/digitalocean/index.js';
import { DEFAULT_IMAGE as HETZNER_IMAGE } from '../providers/hetzner/adapter.js';
import { HETZNER_PUBLIC_ENDPOINT } from '../providers/hetzner/http-client.js';
import type { ProviderCredentials } from '../providers/registry.js';
import { splitCredentials } from '../sources/git-credentials.js';
import { createRedactor } from '../sources/git-errors.js';
import { readSnapshotAt } from '../sources/git-objects.js';
import { createGitRunner } from '../sources/git-runner.js';
import { readClusterEntries } from '../sources/local-files.js';
import { readStoreFile } from '../store/store-file.js';
import { awsSuite } from './aws.js';
import { readPublicKey, type ProviderContext } from './context.js';
import { digitalOceanSuite } from './digitalocean.js';
import { gitSuite } from './git.js';
import { gitHubSuite } from './github.js';
import { hetznerSuite } from './hetzner.js';
import { createReadOnlyApi } from './http.js';
import { runSuite, type Redact } from './run.js';
import { reporter, type CheckResult } from './types.js';
import { usageOf, type ProviderUsage } from './usage.js';

export { renderJson, renderText, summarise } from './run.js';
export type { CheckResult } from './types.js';

/** Where the manifests come from: the configured remote's branch, or a working tree (`--local`). */
export type PreflightSource = { kind: 'git'; url: string; branch: string; env: Record<string, string> } | { kind: 'local'; dir: string };

/** A setup to check, resolved as `serve` resolves it (see `src/cli/preflight.ts`). */
export interface PreflightSetup {
  source: PreflightSource;
  credentials: ProviderCredentials;
  /** API base URLs (the simulated cloud, a proxy); the providers' public APIs when absent. */
  endpoints: Partial<Record<Provider, string>>;
  github?: { token: string; repo: string; apiUrl: string };
  dataDir: string;
  ownerId?: string;
  /** The image clusterops creates VMs from, per provider and region; today's defaults when absent. */
  images?: Partial<Record<Provider, (region: string) => string>>;
  /** Every secret of the setup: never printed. */
  secrets: readonly string[];
  timeoutMs?: number;
}

const DEFAULT_IMAGES: Record<Provider, (region: string) => string> = {
  digitalocean: () => DO_IMAGE,
  hetzner: () => HETZNER_IMAGE,
  aws: () => SIMULATED_IMAGE_ID,
};

/**
 * Checks a setup without changing anything: the Git remote (read, then a dry-run push), the
 * manifests, the GitHub integration, and each provider's credentials against what the
 * manifests use. Results come in that order; nothing is written but a scratch clone in a
 * temporary directory, removed at the end.
 */
export async function runPreflight(setup: PreflightSetup): Promise<CheckResult[]> {
  const urlSecrets = setup.source.kind === 'git' ? splitCredentials(setup.source.url, {}).secrets : [];
  const redact = createRedactor([...setup.secrets, ...urlSecrets]);
  const scratch = await mkdtemp(join(tmpdir(), 'clusterops-preflight-'));
  const clients: EC2Client[] = [];
  try {
    const source = await readSource(setup, scratch, redact);
    const repo = source.entries ? loadRepository(source.entries) : undefined;
    const usage = usageOf(repo?.clusters ?? []);
    const ownerId = setup.ownerId ?? (await readOwnerId(setup.dataDir));
    const base = { sshKey: await readPublicKey(setup.dataDir), sshDir: join(setup.dataDir, 'ssh'), ...(ownerId ? { ownerId } : {}) };
    const providers = (['digitalocean', 'hetzner', 'aws'] as const).map((p) =>
      providerResults(setup, p, { ...base, usage: usage[p], image: setup.images?.[p] ?? DEFAULT_IMAGES[p] }, redact, clients),
    );
    const github = setup.github
      ? runSuite(gitHubSuite(createReadOnlyApi({ base: setup.github.apiUrl, authorization: `Bearer ${setup.github.token}`, headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' }, ...timeout(setup) }), setup.github.repo), redact)
      : Promise.resolve([reporter('github', 'token').skip('not checked: the GitHub integration is off (github.repo is not set)')]);
    const later = await Promise.all([github, ...providers]);
    return [...source.results, ...manifestResults(source.label, repo), ...later.flat()];
  } finally {
    for (const c of clients) c.destroy();
    await rm(scratch, { recursive: true, force: true });
  }
}

function timeout(setup: PreflightSetup): { timeoutMs?: number } {
  return setup.timeoutMs !== undefined ? { timeoutMs: setup.timeoutMs } : {};
}

/** The Git checks and the manifests they fetch, or the working tree's. */
async function readSource(setup: PreflightSetup, scratch: string, redact: Redact): Promise<{ results: CheckResult[]; entries?: RepoEntry[]; label: string }> {
  const s = setup.source;
  if (s.kind === 'local') {
    const skip = reporter('git', 'read').skip(`not checked: --local reads the working tree ${s.dir}; clusterops pushes nothing there`);
    try {
      return { results: [skip], entries: await readClusterEntries(s.dir), label: s.dir };
    } catch (err) {
      return { results: [skip, reporter('manifests', 'read').fail(redact((err as Error).message))], label: s.dir };
    }
  }
  const access = splitCredentials(s.url, s.env);
  const git = createGitRunner({ cwd: scratch, env: { ...s.env, ...access.env }, baseEnv: process.env, simpleGit, redact, timeoutMs: setup.timeoutMs ?? 60_000 });
  const suite = gitSuite({ url: access.url, displayUrl: redact(access.url), branch: s.branch, git, scratch });
  const results = await runSuite(suite, redact);
  const clone = await suite.context.clone();
  const label = `${suite.context.displayUrl} branch ${s.branch}`;
  if ('error' in clone) return { results, label };
  return { results, entries: (await readSnapshotAt(clone.git, clone.head)).files, label: `${label} (${clone.head.slice(0, 7)})` };
}

/** One line for the manifests as a whole, and one per invalid file. */
function manifestResults(label: string, repo: ReturnType<typeof loadRepository> | undefined): CheckResult[] {
  const r = reporter('manifests', 'valid');
  if (!repo) return [r.skip(`not checked: the manifests of ${label} could not be read`)];
  const out = repo.invalid.map((f) => {
    const first = f.diagnostics.find((d) => d.severity === 'error') ?? f.diagnostics[0];
    return r.fail(`${f.file} is invalid: ${first ? formatDiagnostic(first) : 'unreadable'} (clusterops validate lists every problem)`);
  });
  const n = repo.clusters.length;
  if (out.length === 0) out.unshift(r.pass(`${n} cluster manifest${n === 1 ? '' : 's'} valid in ${label}`));
  return out;
}

const CREDENTIAL_HINT: Record<Provider, string> = {
  digitalocean: 'DIGITALOCEAN_TOKEN or providers.digitalocean.tokenFile',
  hetzner: 'HCLOUD_TOKEN or providers.hetzner.tokenFile',
  aws: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or providers.aws.accessKeyIdFile and secretAccessKeyFile',
};

/** A provider's suite when it has credentials; otherwise one line, a failure if a manifest needs it. */
async function providerResults(setup: PreflightSetup, p: Provider, ctx: ProviderContext, redact: Redact, clients: EC2Client[]): Promise<CheckResult[]> {
  const r = reporter(p, 'credentials');
  const endpoint = setup.endpoints[p];
  const t = timeout(setup);
  if (p === 'digitalocean' && setup.credentials.digitalocean) {
    const api = createReadOnlyApi({ base: endpoint ?? 'https://api.digitalocean.com/v2', authorization: `Bearer ${setup.credentials.digitalocean.token}`, ...t });
    return runSuite(digitalOceanSuite(ctx, api), redact);
  }
  if (p === 'hetzner' && setup.credentials.hetzner) {
    const api = createReadOnlyApi({ base: endpoint ?? HETZNER_PUBLIC_ENDPOINT, authorization: `Bearer ${setup.credentials.hetzner.token}`, ...t });
    return runSuite(hetznerSuite(ctx, api), redact);
  }
  if (p === 'aws' && setup.credentials.aws) {
    const build = createEc2Clients({ ...setup.credentials.aws, ...(endpoint ? { endpoint } : {}), timeoutMs: setup.timeoutMs ?? AWS_TIMEOUT_MS, maxAttempts: 2 });
    const clientFor = (region: string) => {
      const c = build(region);
      if (!clients.includes(c)) clients.push(c);
      return c;
    };
    return runSuite(awsSuite(ctx, clientFor), redact);
  }
  return [missingCredentials(r, p, ctx.usage)];
}

function missingCredentials(r: ReturnType<typeof reporter>, p: Provider, usage: ProviderUsage): CheckResult {
  if (usage.clusters.length === 0) return r.skip('not checked: no credentials are configured, and no manifest uses it');
  return r.fail(`no credentials are configured, but ${usage.clusters.length} manifest${usage.clusters.length === 1 ? ' uses' : 's use'} it: set ${CREDENTIAL_HINT[p]}`, usage.clusters);
}

/** The owner id in the daemon's state file, read without opening the store (which would take its lock). */
async function readOwnerId(dataDir: string): Promise<string | undefined> {
  return (await readStoreFile(join(dataDir, 'state.json')).catch(() => null))?.instanceId;
}
