import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookConfig {
  url: string;
  secret: string;
}

/** The record of one webhook delivery attempt. */
export interface Delivery {
  id: string;
  event: string;
  action?: string;
  /** The receiver's HTTP status; absent when the request failed. */
  status?: number;
  error?: string;
}

/** `sha256=<hex hmac of the raw body>`, GitHub's `X-Hub-Signature-256`. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * POSTs one event as GitHub does. Never rejects: a receiver that is down or answers an error
 * is recorded in the returned delivery, like GitHub's "Recent Deliveries".
 */
export async function deliver(hook: WebhookConfig, event: string, payload: Record<string, unknown>, fetchFn: typeof fetch = fetch): Promise<Delivery> {
  const id = randomUUID();
  const body = JSON.stringify(payload);
  const action = typeof payload.action === 'string' ? payload.action : undefined;
  const delivery: Delivery = { id, event, ...(action !== undefined ? { action } : {}) };
  try {
    const res = await fetchFn(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/sim',
        'x-github-event': event,
        'x-github-delivery': id,
        'x-github-hook-id': '1',
        'x-hub-signature-256': signature(hook.secret, body),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    delivery.status = res.status;
  } catch (err) {
    delivery.error = (err as Error).message;
  }
  return delivery;
}
