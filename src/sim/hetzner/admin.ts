import { jsonBody, type SimRequest, type SimResponse } from '../common/http.js';
import { placementKey, type ServerStore } from './server-store.js';

/** A server type out of stock in a location. */
export interface Placement {
  serverType: string;
  location: string;
}

export function unavailableView(store: ServerStore): Placement[] {
  return [...store.unavailable].map((k) => {
    const [serverType, location] = k.split('@') as [string, string];
    return { serverType, location };
  });
}

/**
 * `GET /__sim/unavailable` lists the server types out of stock per location; `PUT` with a JSON
 * array of `{serverType, location}` replaces the list (`[]` restocks everything), as Hetzner's
 * stock comes and goes. Other paths are not this route's.
 */
export function unavailableAdmin(store: ServerStore): (req: SimRequest) => SimResponse | undefined {
  return (req) => {
    if (req.path !== '/__sim/unavailable') return undefined;
    if (req.method === 'PUT') {
      const body = jsonBody<unknown>(req);
      if (!Array.isArray(body) || !body.every(isPlacement)) return { status: 400, body: { error: 'a JSON array of {serverType, location}' } };
      setUnavailable(store, body);
    } else if (req.method !== 'GET') return { status: 405, body: { error: 'use GET or PUT' } };
    return { status: 200, body: { unavailable: unavailableView(store), refused: store.counters.refusedUnavailable } };
  };
}

export function setUnavailable(store: ServerStore, placements: readonly Placement[]): void {
  store.unavailable.clear();
  for (const p of placements) store.unavailable.add(placementKey(p.serverType, p.location));
}

function isPlacement(p: unknown): p is Placement {
  const o = p as Partial<Placement> | null;
  return typeof o === 'object' && o !== null && typeof o.serverType === 'string' && typeof o.location === 'string';
}
