import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, type FaultRule } from './faults.js';
import type { RequestCounts } from './types.js';

/** A request as an emulator sees it. */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A response; an object body is sent as JSON, a string as is (set content-type in headers). */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A matched API route: its operation name (for faults and counts) and its handler. */
export interface SimRoute {
  operation: string;
  /** How the request is counted when that differs from `operation` (EC2: `RunInstances DryRun`). */
  label?: string;
  handle(): SimResponse | Promise<SimResponse>;
}

/** What a provider emulator plugs into the shared HTTP server. */
export interface EmulatorHandler {
  /** Finds the route for a request, or answers directly (404, 401 …). */
  route(req: SimRequest): SimRoute | SimResponse;
  /** The provider's own error shape for an injected HTTP error (with `code` as its error code, when given). */
  faultResponse(status: number, operation: string, code?: string): SimResponse;
  /** A JSON view of the emulator's state for `GET /__sim/state`. */
  state(): unknown;
  /** The operations that change VMs, counted as writes in `GET /__sim/requests`. */
  writeOperations?: readonly string[];
  /** The emulator's own `/__sim/…` routes (its settings); undefined when the path is not one of them. */
  admin?(req: SimRequest): SimResponse | undefined;
}

export interface ServeOptions {
  /** 0 or absent: a free port. */
  port?: number;
  host?: string;
  /** Runs after an API route was served and before its answer is sent (a throw answers 500). */
  afterRequest?: (() => void) | undefined;
}

export interface RunningServer {
  url: string;
  /**
   * API requests received, by `"<METHOD> <operation>"` (the route's `label` when it has one;
   * `-` for requests answered before any route, such as a 401): tests count writes with it.
   */
  readonly calls: Readonly<Record<string, number>>;
  /** API requests received since the start (admin routes not counted). */
  requests(): RequestCounts;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/**
 * Serves an emulator on loopback, with fault injection in front of every API route and the
 * admin routes `GET|POST|DELETE /__sim/faults`, `GET /__sim/state`, `GET /__sim/requests` and the emulator's own.
 */
export async function serveEmulator(handler: EmulatorHandler, faults: FaultInjector, options: ServeOptions = {}): Promise<RunningServer> {
  const { port = 0, host = '127.0.0.1' } = options;
  const calls: Record<string, number> = {};
  // One count, by `"<METHOD> <label or operation>"`; `/__sim/requests` reads it by operation (a
  // DryRun, labelled apart, is no write).
  const requests = (): RequestCounts => {
    const writes = new Set(handler.writeOperations ?? []);
    const operations: Record<string, number> = {};
    for (const [key, n] of Object.entries(calls)) {
      const op = key.slice(key.indexOf(' ') + 1);
      if (op !== '-') operations[op] = (operations[op] ?? 0) + n;
    }
    return { operations, writes: Object.entries(operations).reduce((n, [op, c]) => n + (writes.has(op) ? c : 0), 0) };
  };
  const served: Served = { handler, faults, requests, calls, afterRequest: options.afterRequest };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://sim');
      const simReq: SimRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
      void dispatch(served, simReq).then(
        (outcome) => {
          if (outcome === 'hang') return;
          if (outcome === 'drop') {
            req.socket.destroy();
            return;
          }
          send(res, outcome.response);
          if (outcome.dropAfter) req.socket.destroy();
        },
        () => send(res, handler.faultResponse(500, 'internal')),
      );
    });
  });
  await listen(server, port, host);
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}`,
    calls,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Outcome = 'hang' | 'drop' | { response: SimResponse; dropAfter?: boolean };

interface Served {
  handler: EmulatorHandler;
  faults: FaultInjector;
  requests(): RequestCounts;
  calls: Record<string, number>;
  afterRequest: (() => void) | undefined;
}

async function dispatch(served: Served, req: SimRequest): Promise<Outcome> {
  const { handler, faults, calls } = served;
  if (req.path.startsWith('/__sim/')) return { response: admin(served, req) };
  const routed = handler.route(req);
  const key = `${req.method} ${'handle' in routed ? (routed.label ?? routed.operation) : '-'}`;
  calls[key] = (calls[key] ?? 0) + 1;
  if (!('handle' in routed)) return { response: routed };
  const fault = faults.take(routed.operation);
  if (fault?.kind === 'timeout') return 'hang';
  if (fault?.kind === 'drop') return 'drop';
  if (fault?.kind === 'status') {
    const response = handler.faultResponse(fault.status!, routed.operation, fault.code);
    if (fault.retryAfterS === undefined) return { response };
    return { response: { ...response, headers: { ...response.headers, 'retry-after': String(fault.retryAfterS) } } };
  }
  const response = await routed.handle();
  // A real cloud never forgets what it answered: the change is saved before the answer leaves.
  served.afterRequest?.();
  return { response, dropAfter: fault?.kind === 'drop-after' };
}

function admin({ handler, faults, requests }: Served, req: SimRequest): SimResponse {
  if (req.path === '/__sim/state' && req.method === 'GET') return { status: 200, body: handler.state() };
  if (req.path === '/__sim/requests' && req.method === 'GET') return { status: 200, body: requests() };
  if (req.path !== '/__sim/faults') return handler.admin?.(req) ?? { status: 404, body: { error: 'unknown admin route' } };
  if (req.method === 'GET') return { status: 200, body: { faults: faults.list() } };
  if (req.method === 'DELETE') {
    faults.clear();
    return { status: 204 };
  }
  if (req.method === 'POST') {
    try {
      const body = JSON.parse(req.body.toString('utf8')) as FaultRule | FaultRule[];
      for (const rule of Array.isArray(body) ? body : [body]) faults.add(rule);
      return { status: 201, body: { faults: faults.list() } };
    } catch (err) {
      return { status: 400, body: { error: (err as Error).message } };
    }
  }
  return { status: 405, body: { error: 'use GET, POST or DELETE' } };
}

function send(res: import('node:http').ServerResponse, r: SimResponse): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload: string | undefined;
  if (typeof r.body === 'string') payload = r.body;
  else if (r.body !== undefined) {
    payload = JSON.stringify(r.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(r.status, headers);
  res.end(payload);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Reads a JSON body; undefined when empty or not JSON. */
export function jsonBody<T>(req: SimRequest): T | undefined {
  if (req.body.length === 0) return undefined;
  try {
    return JSON.parse(req.body.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The bearer token of a request, if any. */
export function bearer(req: SimRequest): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}
