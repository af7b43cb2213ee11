import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openAccounts } from '../../../src/auth/accounts.js';
import type { ServeConfig } from '../../../src/config.js';
import { silentLogger, type Logger, type LogFields } from '../../../src/logger.js';
import { startClusterops, type Clusterops } from '../../../src/main.js';
import { startSimCloud, type SimCloud } from '../../../src/sim/cloud.js';
import { testConfig, TestRepo, waitFor } from '../reconcile/harness.js';

export { converged, group, manifest, TestRepo, vmsOf, waitFor, world } from '../reconcile/harness.js';

const run = promisify(execFile);

/** Who the seeded accounts are: org_abc123 (the seed's organization) and a second, unrelated org. */
export const USERS = {
  /** Admin of org_abc123. */
  alice: 'user_alice',
  /** Member of org_abc123 (no cluster grants unless a test gives some). */
  bob: 'user_bob',
  /** Another member of org_abc123. */
  carol: 'user_carol',
  /** Admin of org_other. */
  eve: 'user_eve',
} as const;
export type Who = keyof typeof USERS;

export interface ApiWorld {
  repo: TestRepo;
  sim: SimCloud;
  co: Clusterops;
  dataDir: string;
  /** A real bearer token per seeded user. */
  tokens: Record<Who, string>;
  /** Token ids (for revocation). */
  tokenIds: Record<Who, string>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Files the human pushes before clusterops starts. */
  files?: Record<string, string | null>;
  /** Ids handed out by cluster.create, in order (then random ones). */
  clusterIds?: string[];
  config?: Partial<ServeConfig>;
  bootMs?: number;
  deleteMs?: number;
  /** How long new VMs are missing from listings (the reliability tiers turn it on). */
  listingLagMs?: number;
  /** Receives every log line (default: silent). */
  log?: Logger;
}

/**
 * A bare remote (with a human clone), the simulated cloud, accounts seeded in the data dir
 * BEFORE start (org_abc123: alice admin, bob and carol members; org_other: eve admin), and a
 * running clusterops serving the API on a free port of 127.0.0.1.
 */
export async function startApiWorld(options: StartOptions = {}): Promise<ApiWorld> {
  const repo = new TestRepo();
  const sim = await startSimCloud({ bootMs: options.bootMs ?? 20, deleteMs: options.deleteMs ?? 20, ...(options.listingLagMs ? { listingLagMs: options.listingLagMs } : {}) });
  const dataDir = mkdtempSync(join(tmpdir(), 'clusterops-api-'));
  const accounts = await openAccounts(dataDir);
  await accounts.createOrganization('org_abc123', 'ABC');
  await accounts.createOrganization('org_other', 'Other');
  await accounts.addUser(USERS.alice, { organizationId: 'org_abc123', role: 'admin' });
  await accounts.addUser(USERS.bob, { organizationId: 'org_abc123', role: 'member' });
  await accounts.addUser(USERS.carol, { organizationId: 'org_abc123', role: 'member' });
  await accounts.addUser(USERS.eve, { organizationId: 'org_other', role: 'admin' });
  const tokens = {} as Record<Who, string>;
  const tokenIds = {} as Record<Who, string>;
  for (const who of Object.keys(USERS) as Who[]) {
    const t = await accounts.createToken(USERS[who], `${who} in tests`);
    tokens[who] = t.token;
    tokenIds[who] = t.id;
  }
  if (options.files) repo.push(options.files, 'initial clusters');
  // Nodes are plain VMs here: nothing to join over SSH (as in the reconcile harness).
  const config: ServeConfig = testConfig(repo, sim, dataDir, options.config);
  const ids = [...(options.clusterIds ?? [])];
  const co = await startClusterops(config, {
    sim,
    log: options.log ?? silentLogger,
    newClusterId: () => ids.shift() ?? `cluster_${randomBytes(6).toString('hex')}`,
  });
  return {
    repo,
    sim,
    co,
    dataDir,
    tokens,
    tokenIds,
    close: async () => {
      await co.close();
      await sim.close();
      repo.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A logger that keeps every line (message and fields), for asserting on what happened inside. */
export function recordingLogger(): Logger & { lines: { level: string; message: string; fields: LogFields }[] } {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const make = (bound: LogFields): Logger => ({
    debug: (fields, message) => void lines.push({ level: 'debug', message, fields: { ...bound, ...fields } }),
    info: (fields, message) => void lines.push({ level: 'info', message, fields: { ...bound, ...fields } }),
    warn: (fields, message) => void lines.push({ level: 'warn', message, fields: { ...bound, ...fields } }),
    error: (fields, message) => void lines.push({ level: 'error', message, fields: { ...bound, ...fields } }),
    child: (fields) => make({ ...bound, ...fields }),
  });
  return Object.assign(make({}), { lines });
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or undefined when empty / not JSON. */
  json: any;
}

export interface CallOptions {
  token?: string | null;
  query?: Record<string, string>;
  body?: unknown;
  /** Sent as is (overrides `body`). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

/** One HTTP request with fetch; a JSON body gets `Content-Type: application/json` unless headers say otherwise. */
export async function call(url: string, method: string, path: string, o: CallOptions = {}): Promise<Reply> {
  const target = new URL(path, url);
  for (const [k, v] of Object.entries(o.query ?? {})) target.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | Buffer | undefined;
  if (o.raw !== undefined) body = o.raw;
  else if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, o.headers ?? {});
  const res = await fetch(target, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: parse(text) };
}

function parse(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface CurlReply {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

/** Runs the real `curl` binary with the given arguments (plus -s -i) and splits its answer. */
export async function curl(args: string[]): Promise<CurlReply> {
  const { stdout } = await run('curl', ['-s', '-i', ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.slice(0, split).split('\r\n');
  const text = stdout.slice(split + 4);
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head[0] ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, text, json: parse(text) };
}

export interface CommitInfo {
  hash: string;
  author: string;
  email: string;
  subject: string;
}

/** The remote's main branch, newest first. */
export function commits(repo: TestRepo): CommitInfo[] {
  const out = repo.git(repo.root, '--git-dir', repo.remote, 'log', '--format=%H%x1f%an%x1f%ae%x1f%s', 'main').trim();
  return out === ''
    ? []
    : out.split('\n').map((line) => {
        const [hash, author, email, subject] = line.split('\x1f') as [string, string, string, string];
        return { hash, author, email, subject };
      });
}

/** Commits that change manifests (the daemon's status commits left out). */
export function manifestCommits(repo: TestRepo): CommitInfo[] {
  return commits(repo).filter((c) => !c.subject.startsWith('status('));
}

/** `A\tclusters/x.yaml`, `R100\tclusters/a.yaml\tclusters/b.yaml` … for one commit. */
export function changedFiles(repo: TestRepo, hash: string): string[] {
  return repo
    .git(repo.root, '--git-dir', repo.remote, 'show', '--format=', '--name-status', '-M', hash)
    .trim()
    .split('\n')
    .filter(Boolean);
}

/** The head of the remote's main branch. */
export function head(repo: TestRepo): string {
  return repo.git(repo.root, '--git-dir', repo.remote, 'rev-parse', 'main').trim();
}

/** Files under clusters/ at the remote's main. */
export function clusterFiles(repo: TestRepo): string[] {
  return repo
    .git(repo.root, '--git-dir', repo.remote, 'ls-tree', '--name-only', 'main', 'clusters/')
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();
}

/** Waits until the daemon's snapshot has the cluster (e.g. after a human push). */
export async function known(co: Clusterops, clusterId: string): Promise<void> {
  await co.daemon.pollNow();
  await waitFor(`${clusterId} in the snapshot`, () => co.daemon.desired().get(clusterId) !== undefined);
}

export const keysOf = (v: unknown): string[] => Object.keys(v as object);
export const CLUSTER_KEYS = ['id', 'name', 'provider', 'region', 'orchestrator', 'status', 'nodeCount', 'createdAt'];
export const DETAIL_KEYS = ['id', 'name', 'provider', 'region', 'orchestrator', 'status', 'nodeCount', 'nodes', 'createdAt'];
/** `cluster.one`: the seed's detail, then (an addition) the cluster's event history. */
export const ONE_KEYS = [...DETAIL_KEYS, 'events'];
/** The seed's node fields in its order, then the orchestrator's view (issue 6's addition). */
export const NODE_KEYS = ['id', 'role', 'plan', 'ip', 'status', 'orchestratorStatus'];
