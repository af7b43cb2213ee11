import { createApiClient } from 'dots-wrapper';
import { StalledError, TransientError } from '../../reconcile/errors.js';
import type { ProviderCallRecorder } from '../types.js';
import { budgetHeaders, RateBudget, readRateHeaders } from './budget.js';
import type { DropletJson } from './droplets.js';
import { classifyFailure, DigitalOceanApiError, isHttpFailure } from './errors.js';

/** The largest page the API serves (reference §1.3). */
export const MAX_PER_PAGE = 200;

export interface DropletsApiConfig {
  token: string;
  endpoint?: string;
  timeoutMs: number;
  recorder?: ProviderCallRecorder;
  now: () => number;
  reserve?: number;
}

/** A body for `POST /v2/droplets`, as dots-wrapper takes it. */
export interface DropletCreateBody {
  name: string;
  region: string;
  size: string;
  image: string;
  tags: string[];
  /** Ids or fingerprints of keys registered on the account (reference §1.2). */
  ssh_keys?: number[];
  user_data?: string;
}

/** An SSH key on the account (DO-OAS `resources/ssh_keys/models/ssh_key.yml`). */
export interface SshKeyJson {
  id: number;
  fingerprint: string;
  public_key: string;
  name: string;
}

/**
 * The droplet and SSH-key calls clusterops makes, on one dots-wrapper client of its own. Every
 * call is recorded, checked against the rate budget first, and fails only with classified errors
 * (`TransientError` / `StalledError`); a 404 answers `undefined` from `get` / `getSshKey` and
 * success from `delete`.
 */
export interface DropletsApi {
  list(tag: string, page: number): Promise<{ droplets: DropletJson[]; hasNext: boolean }>;
  /** `sshKeyRejected` on 422 about the `ssh_keys` (unknown id or fingerprint): nothing was created. */
  create(body: DropletCreateBody): Promise<DropletJson | 'sshKeyRejected'>;
  get(id: number): Promise<DropletJson | undefined>;
  delete(id: number): Promise<void>;
  /** `GET /v2/account/keys/{id or fingerprint}` (DO-OAS `ssh_keys/get_ssh_key.yml`): not the rate-limited listing. */
  getSshKey(fingerprint: string): Promise<SshKeyJson | undefined>;
  /** `inUse` on 422 "SSH Key is already in use on your account": another process registered it first. */
  createSshKey(body: { name: string; public_key: string }): Promise<SshKeyJson | 'inUse'>;
}

interface AnswerLike {
  status: number;
  headers: unknown;
  data: unknown;
}

type Send = () => Promise<AnswerLike>;
/** Picks failed answers the caller handles itself; they resolve as `{refused: true}` instead of throwing. */
type Accept = (status: number, message: string) => boolean;
type Outcome = AnswerLike | { refused: true };

export function createDropletsApi(config: DropletsApiConfig): DropletsApi {
  const client = createApiClient({ token: config.token, requestTimeoutInMs: config.timeoutMs, ...(config.endpoint ? { endpoint: config.endpoint } : {}) });
  const call = createCaller(config, new RateBudget(config.reserve));
  // Without `accept` nothing is refused: every failure throws.
  const answer = (operation: string, send: Send) => call(operation, send) as Promise<AnswerLike>;
  return {
    list: async (tag, page) => {
      let res: AnswerLike;
      try {
        res = await answer('droplets.list', () => client.droplet.listDroplets({ tag_name: tag, page, per_page: MAX_PER_PAGE }));
      } catch (err) {
        // A tag no droplet ever carried does not exist; a listing by it may answer 404 not_found
        // instead of an empty list (the spec is silent; the emulator does so). Nothing carries it.
        if (isUnknownTag(err)) return { droplets: [], hasNext: false };
        throw err;
      }
      const data = res.data as { droplets?: DropletJson[]; links?: { pages?: { next?: string } } };
      if (!Array.isArray(data.droplets)) throw new TransientError('BadResponse', 'DigitalOcean droplets.list: answer without droplets');
      return { droplets: data.droplets, hasNext: typeof data.links?.pages?.next === 'string' };
    },
    create: async (body) => {
      // DigitalOcean answers 422 "You specified invalid ssh key ids for Droplet creation." for a key it does not hold.
      const res = await call('droplets.create', () => client.droplet.createDroplet(body), (status, message) => status === 422 && /ssh key/i.test(message));
      return 'refused' in res ? 'sshKeyRejected' : dropletOf(res, 'droplets.create');
    },
    get: async (id) => {
      try {
        const res = await answer('droplets.get', () => client.droplet.getDroplet({ droplet_id: id }));
        return dropletOf(res, 'droplets.get');
      } catch (err) {
        if (err instanceof StalledError && err.reason === 'NotFound') return undefined;
        throw err;
      }
    },
    delete: async (id) => {
      try {
        await call('droplets.delete', () => client.droplet.deleteDroplet({ droplet_id: id }));
      } catch (err) {
        if (!(err instanceof StalledError && err.reason === 'NotFound')) throw err;
      }
    },
    getSshKey: async (fingerprint) => {
      const res = await call('ssh_keys.get', () => client.sshKey.getSshKey({ ssh_key_id: fingerprint }), (status) => status === 404);
      return 'refused' in res ? undefined : sshKeyOf(res, 'ssh_keys.get');
    },
    createSshKey: async (body) => {
      const res = await call('ssh_keys.create', () => client.sshKey.createSshKey(body), (status, message) => status === 422 && /already in use/i.test(message));
      return 'refused' in res ? 'inUse' : sshKeyOf(res, 'ssh_keys.create');
    },
  };
}

/** Runs one API call: budget first, then record it, learn from its headers, and classify a failure. */
function createCaller(config: DropletsApiConfig, budget: RateBudget): (operation: string, send: Send, accept?: Accept) => Promise<Outcome> {
  const finish = (operation: string, status: number, headers: unknown, started: number) => {
    const rate = budgetHeaders(status, readRateHeaders(headers));
    budget.update(rate);
    config.recorder?.record({ provider: 'digitalocean', operation, status, durationMs: Math.max(0, config.now() - started), ...(rate.remaining !== undefined ? { rateLimitRemaining: rate.remaining } : {}) });
  };
  return async (operation, send, accept) => {
    const wait = budget.waitMs(config.now());
    if (wait > 0) throw new TransientError('RateLimited', `DigitalOcean ${operation}: rate budget spent, not calling`, { retryAfterMs: wait });
    budget.take();
    const started = config.now();
    try {
      const res = await send();
      finish(operation, res.status, res.headers, started);
      return res;
    } catch (err) {
      const res = isHttpFailure(err) ? err.response : undefined;
      finish(operation, res?.status ?? 0, res?.headers, started);
      if (res && accept?.(res.status, messageOf(res.data))) return { refused: true };
      const failure = classifyFailure(err, operation, config.now(), config.token);
      if (failure instanceof TransientError && failure.reason === 'RateLimited' && failure.retryAfterMs !== undefined) {
        budget.blockUntil(config.now() + failure.retryAfterMs);
      }
      throw failure;
    }
  };
}

function messageOf(data: unknown): string {
  const message = (data as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : '';
}

function sshKeyOf(res: AnswerLike, operation: string): SshKeyJson {
  const key = (res.data as { ssh_key?: SshKeyJson } | undefined)?.ssh_key;
  if (typeof key?.id !== 'number') throw new TransientError('BadResponse', `DigitalOcean ${operation}: answer without ssh_key`);
  return key;
}

/** DigitalOcean's own 404 (`not_found` in its error body), not a proxy's or a wrong path's. */
function isUnknownTag(err: unknown): boolean {
  return err instanceof StalledError && err.reason === 'NotFound' && err.cause instanceof DigitalOceanApiError && err.cause.code === 'not_found';
}

function dropletOf(res: AnswerLike, operation: string): DropletJson {
  const droplet = (res.data as { droplet?: DropletJson } | undefined)?.droplet;
  if (typeof droplet !== 'object' || droplet === null) throw new TransientError('BadResponse', `DigitalOcean ${operation}: answer without droplet`);
  return droplet;
}
