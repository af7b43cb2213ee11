import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { createApp, type ReadinessCheck } from './api/app.js';
import { ERROR_CODES, errorBody, type ErrorCode } from './api/errors.js';
import { knownClusters, statusOf } from './api/clusters/view.js';
import { openMetricsWarning } from './api/metrics-auth.js';
import { openApiDocument } from './api/openapi.js';
import { clustersApi, type ApiRouterDeps } from './api/router.js';
import { openAccounts, type Accounts } from './auth/accounts.js';
import { ensureDemoAccounts, readDemoToken, writeDemoToken } from './auth/demo.js';
import type { ServeConfig } from './config.js';
import { ConfigError, secretsOf, webhookSecretProblem } from './config.js';
import { dashboardRoutes, githubPullLink } from './dashboard/index.js';
import type { Provider } from './domain/manifest/types.js';
import { nameFromFile } from './domain/manifest/rules.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import type { ClusterStatus } from './domain/status/types.js';
import { lockDataDir, type DataDirLock } from './store/lock.js';
import { ensurePrivateDir } from './store/private-dir.js';
import { createDemoHosts, createOrchestration, type DemoHosts } from './orchestration.js';
import { packageRoot } from './package-root.js';
import { CallCounter } from './providers/call-counter.js';
import { createProviderAdapters, type ProviderCredentials } from './providers/registry.js';
import { createDaemon, type Daemon, type DesiredSource } from './reconcile/daemon.js';
import { createObservationCache } from './reconcile/observation.js';
import { reconcileCluster } from './reconcile/reconciler.js';
import type { ReconcilerDeps } from './reconcile/types.js';
import { SIM_STATE_FILE, startSimCloud, type SimCloud } from './sim/cloud.js';
import { ensureDemoRemote } from './sim/demo-repo.js';
import { createGitSource, type GitSource } from './sources/git-source.js';
import { createLocalSource } from './sources/local-source.js';
import type { SourceLogger } from './sources/types.js';
import { createGitStatusWriter, type StatusWriter } from './status/git-status-writer.js';
import { createGitHubClient } from './status/github/client.js';
import { createPullRequestHandler } from './status/github/pr-handler.js';
import { createPullRequestWatcher, type PullRequestWatcher } from './status/github/watcher.js';
import { assertSameOwner, OwnerConflictError, statusFileOwners } from './store/owner-guard.js';
import { openStore, type Store, type StoreOptions } from './store/store.js';

/** A running clusterops: what tests and `serve` hold on to. */
export interface Clusterops {
  url: string;
  daemon: Daemon;
  store: Store;
  calls: CallCounter;
  metrics: Metrics;
  sim?: SimCloud;
  statusWriter?: StatusWriter;
  prWatcher?: PullRequestWatcher;
  accounts: Accounts;
  /** Demo only: the demo admin's API token. */
  demoToken?: string;
  /** Demo with SSH orchestration: the simulated machines behind the VMs (tests inject faults, e.g. a slow drain). */
  hosts?: DemoHosts;
  log: Logger;
  close(): Promise<void>;
}

const IDENTITY = { name: 'clusterops', email: 'clusterops@localhost' };

type StartOverrides = {
  log?: Logger;
  sim?: SimCloud;
  newClusterId?: () => string;
  /** Writes the state file (default: durably to disk); tests inject disk faults here. */
  storeWriteFile?: StoreOptions['writeFile'];
};

/**
 * The one composition root: builds every adapter from the configuration and starts it all.
 * Takes the data directory's lock first: a second instance on the same directory refuses to start.
 */
export async function startClusterops(config: ServeConfig, overrides: StartOverrides = {}): Promise<Clusterops> {
  // Checked by readServeConfig too; here as well so no caller can start an open webhook endpoint.
  const problem = webhookSecretProblem(config);
  if (problem) throw new ConfigError(problem);
  const privacy = await ensurePrivateDir(config.dataDir);
  const lock = await lockDataDir(config.dataDir);
  try {
    const running = await start(config, overrides, lock);
    if (privacy === 'not-owner') running.log.warn({ dataDir: config.dataDir }, 'the data directory belongs to another user and is readable by others; make it mode 0700');
    return running;
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function start(config: ServeConfig, overrides: StartOverrides, lock: DataDirLock): Promise<Clusterops> {
  let secrets: string[] = secretsOf(config);
  const log = overrides.log ?? createLogger({ level: config.logLevel, format: config.logFormat, secrets: () => secrets });
  if (lock.tookOverStale) log.warn({ lock: lock.path }, 'the previous clusterops on this data directory did not shut down cleanly; taking over its lock and resuming its journaled work');
  const store = await openStore(join(config.dataDir, 'state.json'), {
    ...(config.ownerId ? { ownerId: config.ownerId } : {}),
    ...(overrides.storeWriteFile ? { writeFile: overrides.storeWriteFile } : {}),
    onWriteState: (error) =>
      error
        ? log.error({ error }, `${error}: the store cannot be written; readiness fails and no pass calls a provider until it can (free space, fix permissions)`)
        : log.info({}, 'the store can be written again; passes resume'),
  });
  const accounts = await openAccounts(config.dataDir);
  const demoToken = config.demo ? await seedDemoAccounts(accounts, config) : undefined;
  if (demoToken) secrets = [...secrets, demoToken];
  const { sim, credentials, endpoints, repo, hosts } = await prepareWorld(config, overrides.sim, log);
  const orchestration = await createOrchestration(config, log, hosts?.port ?? 22);
  secrets = [...secrets, ...secretsOf({ ...config, credentials })];
  const calls = new CallCounter();
  const metrics = new Metrics({ queueDepth: () => daemon.controller.depth, clustersByStatus: () => countStatuses(knownClusters(daemon.desired(), store).map(statusOf)) });
  const providers = createProviderAdapters(credentials, { ownerId: store.instanceId, endpoints, recorder: metrics.providerRecorder(calls) });
  const observations = createObservationCache(providers);
  // The local watcher may fire before the daemon exists; it has nothing to wake until then.
  let wake: () => void = () => undefined;
  const { source, commit, closeSource, snapshotOf, git, isOpen: sourceOpen } = await openSource(config, repo, log, () => wake(), (workDir) => checkOwner(config, store, workDir));
  if (!config.ownerId) log.info({ ownerId: store.instanceId }, `owner id ${store.instanceId} (kept in state.json): set ownerId: ${store.instanceId} in the configuration, so that a new data directory adopts these VMs instead of creating them again`);
  // The cluster whose manifest file has a stem owns status/<stem>.yaml (not an old one of that name being deleted).
  const nameOwner = (stem: string) => [...daemon.desired().entries].find(([, e]) => nameFromFile(e.file) === stem)?.[0];
  const statusWriter = config.statusCommits && commit ? createGitStatusWriter({ commit, author: IDENTITY, log, owner: store.instanceId, nameOwner, ...(config.statusBranch ? { branch: config.statusBranch } : {}) }) : undefined;
  const newClusterId = overrides.newClusterId ?? (() => `cluster_${randomBytes(8).toString('hex').slice(0, 12)}`);
  const deps: ReconcilerDeps = {
    store,
    providers,
    observations,
    orchestrators: orchestration.orchestrators,
    ...(orchestration.vmSetup ? { vmSetup: orchestration.vmSetup } : {}),
    ...(orchestration.forgetHostKey ? { forgetHostKey: orchestration.forgetHostKey } : {}),
    desired: () => daemon.desired(),
    // Per cluster pass; DigitalOcean's 10 creates at a time per account is kept by its adapter, across clusters.
    limits: { createConcurrency: 10, observeMaxAgeMs: Math.max(250, config.requeueMs / 2), requeueMs: config.requeueMs, unhealthyReplaceAfterMs: config.unhealthyReplaceAfterMs },
    now: () => new Date(),
    newToken: () => `ct-${randomBytes(12).toString('hex')}`,
    log,
    ...(statusWriter ? { onPassEnd: (record, removed) => statusWriter.publish(record, removed) } : {}),
  };
  const daemon = createDaemon({
    source: instrumentSource(source, metrics),
    store,
    observations,
    providers: Object.keys(providers) as Provider[],
    reconcile: (id) => metrics.instrumentPass({ cluster: id, provider: providerOf(daemon, store, id) }, daemon.desired().get(id)?.hash, () => reconcileCluster(deps, id), () => store.cluster(id)?.status?.status === 'running'),
    log,
    identity: IDENTITY,
    pollIntervalMs: config.pollIntervalMs,
    resyncIntervalMs: config.resyncIntervalMs,
    concurrency: config.concurrency,
    newClusterId,
  });
  wake = () => void daemon.pollNow();
  const prWatcher = createPrWatcher(config, git, store, () => daemon.desired().revision, log);
  const apiDeps: ApiRouterDeps = {
    desired: () => daemon.desired(),
    store,
    ...(commit ? { commit } : {}),
    afterWrite: () => daemon.pollNow(),
    authenticate: (bearer) => accounts.authenticate(bearer),
    isMemberOf: async (userId, org) => Boolean((await accounts.user(userId))?.memberships.some((m) => m.organizationId === org)),
    organizationExists: async (org) => (await accounts.organization(org)) !== null,
    reevaluate: () => daemon.resync(),
    now: () => new Date(),
    newClusterId,
  };
  const api = clustersApi(apiDeps);
  const openapi = JSON.stringify(openApiDocument());
  const app = createApp({
    log,
    hook: {
      branch: config.branch,
      pollNow: () => void daemon.pollNow(),
      ...(config.webhookSecret ? { webhookSecret: config.webhookSecret } : {}),
      ...(prWatcher ? { onPullRequest: (e: Parameters<PullRequestWatcher['onEvent']>[0]) => void prWatcher.onEvent(e) } : {}),
    },
    readiness: () => readiness(daemon, store, config, sourceOpen),
    metrics,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    routes: [
      async (ctx, next) => {
        if (ctx.path !== '/api/openapi.json') return next();
        ctx.type = 'application/json';
        ctx.body = openapi;
      },
      api,
      dashboardRoutes({
        api: apiDeps,
        authenticate: apiDeps.authenticate,
        ...(snapshotOf ? { snapshotOf } : {}),
        ...(config.local ? { localDir: config.local } : {}),
        ...(config.repo ? { repoUrl: config.repo } : {}),
        ...(prWatcher && config.github ? { pullRequests: () => prWatcher.openPlans(), pullRequestLink: githubPullLink(config.github.apiUrl, config.github.repo) } : {}),
      }),
    ],
  });
  const server = await listen(app.callback(), config.host, config.port);
  const metricsWarning = openMetricsWarning(config.host, config.metricsToken);
  if (metricsWarning) log.warn({ host: config.host }, metricsWarning);
  // Listening on every address: show (and let tests use) the loopback one.
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${(server.address() as { port: number }).port}`;
  await daemon.start();
  prWatcher?.start();
  log.info({ url, repo: config.local ?? (config.demo ? repo : '(configured)'), instance: store.instanceId }, 'clusterops is running');
  const demoHint = config.demoToken ? ` (the demo admin's is CLUSTEROPS_DEMO_TOKEN)` : ` (the demo admin's is in ${join(config.dataDir, 'demo-token')})`;
  log.info({ dashboard: `${url}/` }, `dashboard: open ${url}/ in a browser and sign in with an API token${config.demo ? demoHint : ''}`);
  return {
    url,
    daemon,
    store,
    calls,
    metrics,
    log,
    accounts,
    ...(demoToken ? { demoToken } : {}),
    ...(hosts ? { hosts } : {}),
    ...(sim ? { sim } : {}),
    ...(statusWriter ? { statusWriter } : {}),
    ...(prWatcher ? { prWatcher } : {}),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await prWatcher?.stop();
      await daemon.stop();
      await statusWriter?.flush();
      await closeSource();
      await orchestration.close();
      if (sim && !overrides.sim) await sim.close();
      await hosts?.fleet.close();
      await lock.release();
    },
  };
}

/** Times every poll of the source and counts it by result (`clusterops_git_polls_total`). */
/** A cluster's provider for metric labels: the manifest's, else the record's or the VM tags'. */
function providerOf(daemon: Daemon, store: Store, id: string): string {
  const entry = daemon.desired().get(id);
  return (entry?.kind === 'valid' ? entry.manifest.provider : undefined) ?? store.cluster(id)?.provider ?? daemon.desired().orphanProvider(id) ?? 'unknown';
}

function instrumentSource(source: DesiredSource, metrics: Metrics): DesiredSource {
  return {
    ...source,
    poll: async () => {
      const started = performance.now();
      try {
        const snapshot = await source.poll();
        metrics.gitPoll(snapshot ? 'changed' : 'unchanged', (performance.now() - started) / 1000);
        return snapshot;
      } catch (err) {
        metrics.gitPoll('error', (performance.now() - started) / 1000);
        throw err;
      }
    },
  };
}

function countStatuses(statuses: ClusterStatus[]): Partial<Record<ClusterStatus, number>> {
  const out: Partial<Record<ClusterStatus, number>> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

/** Demo: organization org_abc123 with an admin; its token is CLUSTEROPS_DEMO_TOKEN or one made on first start. */
async function seedDemoAccounts(accounts: Accounts, config: ServeConfig): Promise<string | undefined> {
  const seed = await ensureDemoAccounts(accounts, config.demoToken ? { token: config.demoToken } : {});
  if (seed.token && seed.created && !config.demoToken) await writeDemoToken(config.dataDir, seed.token);
  return seed.token ?? (await readDemoToken(config.dataDir)) ?? undefined;
}

async function prepareWorld(config: ServeConfig, given: SimCloud | undefined, log: Logger): Promise<{ sim: SimCloud | undefined; credentials: ProviderCredentials; endpoints: Partial<Record<Provider, string>>; repo: string; hosts?: DemoHosts }> {
  if (!config.demo) return { sim: given, credentials: config.credentials, endpoints: config.endpoints, repo: config.repo ?? '' };
  const root = packageRoot();
  const repo = await ensureDemoRemote(config.dataDir, join(root, 'example-repo'), join(root, 'schemas', 'cluster.schema.json'));
  // Behind every simulated VM, a simulated machine reachable over SSH, so nodes really join.
  const hosts = config.orchestration === 'ssh' && !given ? await createDemoHosts(config.dataDir, log) : undefined;
  // The simulated cloud (and the machines behind its VMs) resumes from its state file: a restart
  // of the demo finds every VM where it was, as clusterops would find them in a real cloud.
  const sim =
    given ??
    (await startSimCloud({
      bootMs: config.simBootMs,
      deleteMs: Math.min(config.simBootMs, 1000),
      // New VMs are missing from listings for a while, as on EC2 and DigitalOcean.
      listingLagMs: Math.min(config.simBootMs, 1000),
      state: join(config.dataDir, SIM_STATE_FILE),
      ...(hosts ? { ips: hosts.ips, hooks: hosts.fleet.hooks(), stateParts: { hosts: hosts.fleet } } : {}),
    }));
  const credentials: ProviderCredentials = sim.credentials;
  await writeFile(join(config.dataDir, 'sim.json'), `${JSON.stringify({ endpoints: sim.endpoints(), credentials }, null, 2)}\n`, { mode: 0o600 });
  log.info({ remote: repo }, `demo: simulated cloud started; clone ${repo}, edit clusters/*.yaml and push`);
  return { sim, credentials, endpoints: sim.endpoints(), repo, ...(hosts ? { hosts } : {}) };
}

/**
 * Before a store that tracks no cluster acts, the branch's status files must not name another
 * owner (DESIGN §3): a lost data directory would otherwise create the whole fleet again.
 */
async function checkOwner(config: ServeConfig, store: Store, workDir: string): Promise<void> {
  const branch = config.statusBranch ?? config.branch;
  const check = { instanceId: store.instanceId, tracksClusters: store.clusters().length > 0, configured: Boolean(config.ownerId), branch };
  if (!check.tracksClusters) assertSameOwner(check, await statusFileOwners(workDir, branch));
}

async function openSource(config: ServeConfig, repo: string, log: Logger, onLocalChange: () => void, afterOpen: (workDir: string) => Promise<void>) {
  const sourceLog: SourceLogger = { info: (m, f) => log.info(f ?? {}, m), warn: (m, f) => log.warn(f ?? {}, m) };
  if (config.local) {
    const local = createLocalSource({ dir: config.local, onSnapshot: onLocalChange, logger: sourceLog });
    let last = '';
    const source: DesiredSource = {
      poll: async () => {
        const s = await local.snapshot();
        if (s.revision === last) return null;
        last = s.revision;
        return s;
      },
    };
    await local.start();
    return { source, commit: undefined, closeSource: () => local.close(), snapshotOf: undefined, git: undefined, isOpen: () => true };
  }
  // clearStaleLocks: we hold the data directory's lock, so no git of an earlier run can still be
  // alive in this clone; lock files there were left by one that was killed.
  const workDir = join(config.dataDir, 'repo');
  const git = createGitSource({ url: repo, branch: config.branch, workDir, author: IDENTITY, logger: sourceLog, env: config.gitEnv, clearStaleLocks: true });
  // An empty remote or a branch not pushed yet is not fatal: say so and try again at each poll.
  let opened = false;
  const ensureOpen = async () => {
    if (opened) return;
    await git.open();
    // Opened later than start (an unreachable remote): still checked before the first pass.
    await afterOpen(workDir);
    opened = true;
  };
  await ensureOpen().catch((err: unknown) => {
    if (err instanceof OwnerConflictError) throw err;
    log.warn({ err }, 'cannot open the repository yet; retrying at every poll');
  });
  const source: DesiredSource = {
    poll: async () => {
      await ensureOpen();
      return git.poll();
    },
    commit: git.commit,
  };
  return { source, commit: git.commit, closeSource: async () => undefined, snapshotOf: git.snapshotOf, git, isOpen: () => opened };
}

/** Pull-request plans and statuses on GitHub, when configured (needs a Git remote to read PR heads from). */
function createPrWatcher(config: ServeConfig, git: Pick<GitSource, 'snapshotOf' | 'contains'> | undefined, store: Store, revision: () => string, log: Logger): PullRequestWatcher | undefined {
  if (!config.github || !git) return undefined;
  const [owner, repo] = config.github.repo.split('/') as [string, string];
  const github = createGitHubClient({ token: config.github.token, baseUrl: config.github.apiUrl, owner, repo, log });
  const readFilesAt = async (sha: string) => (await git.snapshotOf(sha)).files;
  const handler = createPullRequestHandler({ github, readFilesAt, store, log });
  return createPullRequestWatcher({ github, handler, store, revision, contains: git.contains, readFilesAt, pollIntervalMs: config.github.pollIntervalMs, log });
}

/** `/readyz`: the store writes, the repository is cloned, and the last successful poll is recent. */
function readiness(daemon: Daemon, store: Store, config: ServeConfig, sourceOpen: () => boolean): ReadinessCheck[] {
  const storeError = store.lastWriteError();
  const last = daemon.lastPollAt();
  const age = last === null ? null : Date.now() - last;
  const pollOk = age !== null && age <= 3 * config.pollIntervalMs + 10_000;
  return [
    { name: 'store', ok: storeError === null, ...(storeError ? { message: storeError } : {}) },
    { name: 'repository', ok: sourceOpen(), ...(sourceOpen() ? {} : { message: config.local ? 'working tree not read yet' : 'repository not cloned yet' }) },
    { name: 'poll', ok: pollOk, ...(pollOk ? {} : { message: age === null ? 'repository not polled yet' : `last successful poll ${Math.round(age / 1000)} s ago` }) },
  ];
}

function listen(handler: Parameters<typeof createServer>[1], host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.on('clientError', answerParserError);
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * Requests Node's HTTP parser refuses before the app sees them (headers over 16 KiB, malformed
 * request lines) still get the API's error envelope, not a bare status line.
 */
function answerParserError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (err as { code?: string }).code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const code: ErrorCode = tooLarge ? 'REQUEST_HEADER_FIELDS_TOO_LARGE' : 'BAD_REQUEST';
  const body = JSON.stringify(errorBody(code, tooLarge ? 'the request headers are larger than 16 KiB' : 'the request is not valid HTTP'));
  socket.end(`HTTP/1.1 ${ERROR_CODES[code]} ${STATUS_CODES[ERROR_CODES[code]]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
