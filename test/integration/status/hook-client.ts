import { createHmac, randomUUID } from 'node:crypto';

/** What `POST /hooks/git` answered. */
export interface HookReply {
  status: number;
  json: any;
}

export interface HookDelivery {
  event: string;
  /** The exact bytes sent. */
  body: string | Buffer;
  /** Signs `body`'s bytes with this secret (GitHub's X-Hub-Signature-256); ignored when `signature` is given. */
  secret?: string;
  /** A ready-made X-Hub-Signature-256 header; '' sends none. */
  signature?: string;
  /** X-GitHub-Delivery; a fresh id when absent. */
  delivery?: string;
}

/** GitHub's signature over raw bytes. */
export function signBytes(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Sends one webhook delivery the way GitHub does (or a forger would). */
export async function postHook(baseUrl: string, d: HookDelivery): Promise<HookReply> {
  const signature = d.signature ?? (d.secret !== undefined ? signBytes(d.secret, d.body) : '');
  const res = await fetch(`${baseUrl}/hooks/git`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': d.event,
      'x-github-delivery': d.delivery ?? randomUUID(),
      ...(signature ? { 'x-hub-signature-256': signature } : {}),
    },
    body: d.body,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** A `pull_request` event body as GitHub sends it (the parts clusterops reads). */
export function pullRequestBody(action: string, number: number, merged = false): string {
  return JSON.stringify({ action, number, pull_request: { number, merged, state: action === 'closed' ? 'closed' : 'open' } });
}
