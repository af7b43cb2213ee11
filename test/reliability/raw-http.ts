import { connect } from 'node:net';

export interface RawReply {
  status: number;
  headers: string;
  body: string;
  json: any;
}

/**
 * One HTTP/1.1 request written byte for byte on a socket, for what fetch will not send: the same
 * header twice, headers larger than any client allows, bodies that lie about their type.
 */
export function rawRequest(url: string, lines: string[], body: string | Buffer = ''): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error('no answer in 20 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = (split === -1 ? all : all.subarray(0, split)).toString('utf8');
      const rest = split === -1 ? Buffer.alloc(0) : all.subarray(split + 4);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const chunked = /transfer-encoding:\s*chunked/i.test(head);
      const bodyText = (chunked ? dechunk(rest) : rest).toString('utf8');
      let json: unknown;
      try {
        json = bodyText === '' ? undefined : JSON.parse(bodyText);
      } catch {
        json = undefined;
      }
      resolve({ status, headers: head, body: bodyText, json });
    });
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const head = [...lines, `Host: ${hostname}:${port}`, 'Connection: close', ...(payload.length > 0 ? [`Content-Length: ${payload.length}`] : []), '', ''].join('\r\n');
    // No half-close: the server answers, then closes (Connection: close).
    socket.write(head);
    if (payload.length > 0) socket.write(payload);
  });
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let rest = b;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    if (nl === -1) return Buffer.concat(out);
    const size = parseInt(rest.subarray(0, nl).toString('latin1'), 16);
    if (!size) return Buffer.concat(out);
    out.push(rest.subarray(nl + 2, nl + 2 + size));
    rest = rest.subarray(nl + 2 + size + 2);
  }
}
