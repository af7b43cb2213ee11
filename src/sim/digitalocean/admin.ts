import { jsonBody, type SimRequest, type SimResponse } from '../common/http.js';
import type { DropletStore } from './store.js';

/** The account's limits, what they refused, and the most creates seen in progress at once. */
export function limitsView(store: DropletStore) {
  return { dropletLimit: store.dropletLimit, concurrentCreateLimit: store.concurrentCreateLimit, createsInProgress: store.creating(), ...store.counters };
}

/**
 * `GET /__sim/limits` shows the account's limits and counters; `PUT /__sim/limits` with
 * `{dropletLimit?, concurrentCreateLimit?}` (positive integers) changes them, as raising the
 * droplet limit with DigitalOcean's support would. Other paths are not this route's.
 */
export function limitsAdmin(store: DropletStore): (req: SimRequest) => SimResponse | undefined {
  return (req) => {
    if (req.path !== '/__sim/limits') return undefined;
    if (req.method === 'PUT') {
      const body = jsonBody<Record<string, unknown>>(req);
      const keys = ['dropletLimit', 'concurrentCreateLimit'] as const;
      if (typeof body !== 'object' || body === null || Object.keys(body).some((k) => !(keys as readonly string[]).includes(k))) {
        return { status: 400, body: { error: `a JSON object with ${keys.join(' and/or ')}` } };
      }
      if (keys.some((k) => body[k] !== undefined && !(Number.isInteger(body[k]) && (body[k] as number) >= 1))) {
        return { status: 400, body: { error: 'limits are integers ≥ 1' } };
      }
      if (body.dropletLimit !== undefined) store.dropletLimit = body.dropletLimit as number;
      if (body.concurrentCreateLimit !== undefined) store.concurrentCreateLimit = body.concurrentCreateLimit as number;
    } else if (req.method !== 'GET') return { status: 405, body: { error: 'use GET or PUT' } };
    return { status: 200, body: limitsView(store) };
  };
}
