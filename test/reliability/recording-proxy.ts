import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that went through the proxy, as the provider's side of the wire saw it. */
export interface Exchange {
  startedAt: number;
  endedAt: number;
  method: string;
  path: string;
  /** 0: no answer reached the client (the provider hung or dropped the connection). */
  status: number;
  headers: Record<string, string>;
  /** The first bytes of the answer (error codes live there). */
  body: string;
}

export interface RecordingProxy {
  /** The proxy's base URL, with the upstream's path prefix (`/v2`, `/v1` or none). */
  endpoint: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/**
 * A transparent HTTP proxy in front of one emulator that writes down every exchange with its
 * timing and rate-limit headers: the instrument for "honours every retry-after" and "never
 * exceeds the rate limit", measured on the wire rather than inside clusterops.
 */
export async function startRecordingProxy(upstreamEndpoint: string): Promise<RecordingProxy> {
  const upstream = new URL(upstreamEndpoint);
  const exchanges: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    const startedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const done = (status: number, headers: Record<string, string>, body: string) => exchanges.push({ startedAt, endedAt: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/', status, headers, body });
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer: IncomingMessage) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('error', () => undefined);
        answer.on('end', () => {
          const body = Buffer.concat(parts);
          const headers = Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k, String(v)]));
          done(answer.statusCode ?? 0, headers, body.subarray(0, 300).toString('utf8'));
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
        answer.on('aborted', () => {
          done(0, {}, 'dropped after the answer started');
          req.socket.destroy();
        });
      });
      // The provider dropped the connection: so does the proxy, so the client sees what it would have.
      out.on('error', () => {
        done(0, {}, 'dropped');
        req.socket.destroy();
      });
      // The client gave up (its timeout): stop waiting for a provider that hangs.
      res.on('close', () => {
        if (!res.writableFinished) {
          out.destroy();
          if (!exchanges.some((e) => e.startedAt === startedAt && e.path === req.url)) done(0, {}, 'client gave up');
        }
      });
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}${upstream.pathname === '/' ? '' : upstream.pathname}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
