import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { ProviderCallRecorder } from '../types.js';
import { RequestPacer } from './pacer.js';

/** What building EC2 clients takes. */
export interface Ec2ClientSettings {
  accessKeyId: string;
  secretAccessKey: string;
  /** The simulated cloud or a proxy; AWS's regional endpoint when absent. */
  endpoint?: string;
  /** Connection and per-attempt request timeout. */
  timeoutMs: number;
  /** SDK attempts per call, counting the first (the SDK retries throttling, 5xx and timeouts itself). */
  maxAttempts: number;
  recorder?: ProviderCallRecorder;
  /** The SDK client constructor, injectable; defaults to `new EC2Client(config)`. */
  makeClient?: (config: EC2ClientConfig) => EC2Client;
  /** Monotonic milliseconds for call durations; defaults to `performance.now`. */
  now?: () => number;
}

/** Returns the EC2 client for a Region, building each one on first use and keeping it. */
export function createEc2Clients(settings: Ec2ClientSettings): (region: string) => EC2Client {
  const clients = new Map<string, EC2Client>();
  return (region) => {
    const existing = clients.get(region);
    if (existing) return existing;
    const client = buildClient(settings, region);
    clients.set(region, client);
    return client;
  };
}

function buildClient(s: Ec2ClientSettings, region: string): EC2Client {
  // The pinned SDK runs on Node 20; its notice is about releases we do not use, and it would
  // land in the operator's log on every start.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = (s.makeClient ?? ((config) => new EC2Client(config)))({
    region,
    // Explicit static credentials and retry settings: nothing is read from the environment or profiles.
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    maxAttempts: s.maxAttempts,
    retryMode: 'standard',
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    requestHandler: { connectionTimeout: s.timeoutMs, requestTimeout: s.timeoutMs, throwOnRequestTimeout: true },
  });
  if (s.recorder) recordCalls(client, s.recorder, s.now ?? (() => performance.now()));
  paceCalls(client, new RequestPacer());
  return client;
}

/**
 * Every HTTP attempt (retries included) waits for a token of EC2's bucket for its action, in
 * the client's Region. Outside the recorder, so recorded durations leave the wait out.
 */
function paceCalls(client: EC2Client, pacer: RequestPacer): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      await pacer.take((context.commandName ?? 'Unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'deserialize', priority: 'high', name: 'clusteropsRequestPacer' },
  );
}

/**
 * Records every HTTP attempt. The middleware sits innermost in the `deserialize` step, below the
 * retry middleware (`finalizeRequest`), so each SDK retry is one recorded call with its own
 * status; 0 when no response came.
 */
function recordCalls(client: EC2Client, recorder: ProviderCallRecorder, now: () => number): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const started = now();
      const record = (status: number) => recorder.record({ provider: 'aws', operation, status, durationMs: Math.max(0, now() - started) });
      try {
        const out = await next(args);
        record((out.response as { statusCode?: number } | undefined)?.statusCode ?? 0);
        return out;
      } catch (err) {
        record(0);
        throw err;
      }
    },
    { step: 'deserialize', priority: 'low', name: 'clusteropsCallRecorder' },
  );
}
