import type { SimRequest, SimResponse } from '../common/http.js';
import type { HetznerCatalogueView } from './catalogue-view.js';
import { invalidInput } from './errors.js';
import { paginate, readPaging } from './pagination.js';
import { serverTypeJson } from './render.js';
import type { ApiRoute } from './route-types.js';

/**
 * The read-only catalogue routes (HZ-OAS `/locations`, `/server_types`, `/images`; SSH keys are
 * ssh-keys.ts), with the filters clients use: `name` everywhere, plus `type` / `architecture` /
 * `status` on images.
 */
export function projectRoutes(cat: HetznerCatalogueView): ApiRoute[] {
  return [
    { method: 'GET', pattern: /^\/v1\/locations$/, operation: 'locations.list', handle: (req) => list(req, 'locations', byName(req, cat.locations())) },
    { method: 'GET', pattern: /^\/v1\/server_types$/, operation: 'serverTypes.list', handle: (req) => list(req, 'server_types', byName(req, cat.serverTypes()).map((t) => serverTypeJson(t, cat))) },
    { method: 'GET', pattern: /^\/v1\/images$/, operation: 'images.list', handle: (req) => list(req, 'images', images(req, cat)) },
  ];
}

function list(req: SimRequest, key: string, items: readonly unknown[]): SimResponse {
  const paging = readPaging(req.query);
  if (typeof paging === 'string') return invalidInput('page', paging);
  const page = paginate(req, items, paging);
  return { status: 200, body: { [key]: page.items, meta: { pagination: page.meta } }, ...(page.link ? { headers: { Link: page.link } } : {}) };
}

function byName<T extends { name: string }>(req: SimRequest, items: readonly T[]): T[] {
  const name = req.query.get('name');
  return name === null ? [...items] : items.filter((i) => i.name === name);
}

const iso = '2024-04-25T10:00:00Z';


function images(req: SimRequest, cat: HetznerCatalogueView): Record<string, unknown>[] {
  const q = req.query;
  const wanted = (key: string) => [...q.getAll(key), ...q.getAll(`${key}[]`)];
  const [types, archs, statuses] = [wanted('type'), wanted('architecture'), wanted('status')];
  return byName(req, [...cat.images()])
    .filter((i) => (types.length === 0 || types.includes('system')) && (archs.length === 0 || archs.includes(i.architecture)) && (statuses.length === 0 || statuses.includes('available')))
    .map((i) => ({
      id: i.id,
      type: 'system',
      status: 'available',
      name: i.name,
      description: i.description,
      image_size: null,
      disk_size: 5,
      created: iso,
      created_from: null,
      bound_to: null,
      os_flavor: i.osFlavor,
      os_version: i.osVersion,
      rapid_deploy: true,
      protection: { delete: false },
      deprecated: null,
      deleted: null,
      labels: {},
      architecture: i.architecture,
    }));
}
