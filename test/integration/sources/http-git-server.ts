import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ISOLATED_ENV } from './git-fixture.js';

/** Debian's git ships the smart-HTTP CGI here. */
export const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

/** A loopback smart-HTTP Git server requiring Basic auth, in front of `git http-backend`. */
export interface HttpGitServer {
  /** `http://127.0.0.1:<port>` (no credentials). */
  base: string;
  /** Every Authorization header received, in order (to see what git sent). */
  authorizations: string[];
  close(): Promise<void>;
}

/**
 * Serves the bare repositories under `root` to whoever sends `user:password`; anyone else gets
 * 401 with a Basic challenge, as GitHub does. Push works (an authenticated `REMOTE_USER`).
 */
export async function startHttpGitServer(root: string, user: string, password: string): Promise<HttpGitServer> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const authorizations: string[] = [];
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    if (auth !== '') authorizations.push(auth);
    if (auth !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    runBackend(root, user, req, res);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, authorizations, close: () => closeServer(server) };
}

function runBackend(root: string, user: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const child = spawn(HTTP_BACKEND, [], {
    env: {
      ...ISOLATED_ENV,
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: user,
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    },
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    headersDone = true;
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  child.on('close', () => res.end());
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
