import { jsonBody, type SimRequest, type SimResponse } from '../common/http.js';
import type { HetznerProject } from './project.js';

/** A server type out of stock in a location. */
export interface Placement {
  serverType: string;
  location: string;
}

export function unavailableView(project: HetznerProject): Placement[] {
  return project.unavailableTypes.entries().map(([location, serverType]) => ({ serverType, location }));
}

/**
 * `GET /__sim/unavailable` lists the server types out of stock per location; `PUT` with a JSON
 * array of `{serverType, location}` replaces the list (`[]` restocks everything), as Hetzner's
 * stock comes and goes. Other paths are not this route's.
 */
export function unavailableAdmin(project: HetznerProject, refused: () => number): (req: SimRequest) => SimResponse | undefined {
  return (req) => {
    if (req.path !== '/__sim/unavailable') return undefined;
    if (req.method === 'PUT') {
      const body = jsonBody<unknown>(req);
      if (!Array.isArray(body) || !body.every(isPlacement)) return { status: 400, body: { error: 'a JSON array of {serverType, location}' } };
      setUnavailable(project, body);
    } else if (req.method !== 'GET') return { status: 405, body: { error: 'use GET or PUT' } };
    return { status: 200, body: { unavailable: unavailableView(project), refused: refused() } };
  };
}

export function setUnavailable(project: HetznerProject, placements: readonly Placement[]): void {
  project.unavailableTypes.clear();
  for (const p of placements) project.unavailableTypes.add(p.location, p.serverType);
}

function isPlacement(p: unknown): p is Placement {
  const o = p as Partial<Placement> | null;
  return typeof o === 'object' && o !== null && typeof o.serverType === 'string' && typeof o.location === 'string';
}
