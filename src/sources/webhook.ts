import { verify } from '@octokit/webhooks-methods';

/** What a GitHub webhook delivery means to a source. Only `push` should trigger a poll. */
export type WebhookEvent = { kind: 'push'; ref: string; after: string } | { kind: 'ping' } | { kind: 'ignored'; reason: string };

/** Request headers as Node (and Koa) expose them. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/**
 * Checks GitHub's `X-Hub-Signature-256` (HMAC-SHA256 of the raw body) in constant time.
 * False for a missing, malformed or wrong signature or an empty body. `rawBody` must be the
 * exact bytes received, before any JSON parsing. Bytes are accepted only when they are valid
 * UTF-8 (GitHub sends nothing else): the HMAC is computed over the text, and only for valid
 * UTF-8 does that text encode back to exactly these bytes; a lossy decoding would let a
 * signature of one byte sequence stand for another. Throws on an empty secret: an endpoint
 * without one would accept anybody's deliveries, so that is a configuration error.
 */
export async function verifyGitHubSignature(
  secret: string,
  rawBody: string | Uint8Array,
  signatureHeader: string | string[] | undefined,
): Promise<boolean> {
  if (secret === '') throw new TypeError('the webhook secret is empty; configure one before accepting deliveries');
  const signature = Array.isArray(signatureHeader) ? signatureHeader[0] : signatureHeader;
  const payload = typeof rawBody === 'string' ? rawBody : exactUtf8(rawBody);
  if (!signature?.startsWith('sha256=') || !payload) return false;
  return verify(secret, payload, signature);
}

/** The text of `bytes` when they are valid UTF-8 (no BOM stripped), else null. */
function exactUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Interprets a (verified) delivery from its `X-GitHub-Event` header and body. The body may be
 * the parsed JSON, the raw JSON text, or a form-encoded `payload=` (GitHub's other content
 * type). Pushes of tags are ignored; a branch deletion is still a push (`after` all zeros),
 * so the poll that follows reports the missing branch.
 */
export function parsePushEvent(headers: WebhookHeaders, body: unknown): WebhookEvent {
  const event = header(headers, 'x-github-event');
  if (event === undefined) return { kind: 'ignored', reason: 'not a GitHub delivery: no X-GitHub-Event header' };
  if (event === 'ping') return { kind: 'ping' };
  if (event !== 'push') return { kind: 'ignored', reason: `${event} events do not trigger a poll` };
  const payload = decodeBody(body, header(headers, 'content-type'));
  if (payload === null) return { kind: 'ignored', reason: 'push event without a readable JSON body' };
  const { ref, after } = payload;
  if (typeof ref !== 'string' || typeof after !== 'string') return { kind: 'ignored', reason: 'push event without ref and after' };
  if (!ref.startsWith('refs/heads/')) return { kind: 'ignored', reason: `${ref} is not a branch` };
  return { kind: 'push', ref, after };
}

/** Whether a webhook event is a push to `branch`. */
export function isPushTo(event: WebhookEvent, branch: string): boolean {
  return event.kind === 'push' && event.ref === `refs/heads/${branch}`;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

function decodeBody(body: unknown, contentType: string | undefined): Record<string, unknown> | null {
  let value = body;
  if (value instanceof Uint8Array) value = Buffer.from(value).toString('utf8');
  if (typeof value === 'string') value = parseText(value, contentType);
  // A form-encoded delivery that a body parser already decoded: the JSON is in `payload`.
  if (isRecord(value) && typeof value.payload === 'string' && value.ref === undefined) value = parseText(value.payload, undefined);
  return isRecord(value) ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseText(text: string, contentType: string | undefined): unknown {
  const json = contentType?.includes('application/x-www-form-urlencoded') ? new URLSearchParams(text).get('payload') : text;
  if (json === null) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return null;
  }
}
