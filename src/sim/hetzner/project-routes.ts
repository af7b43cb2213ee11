import type { SimRequest, SimResponse } from '../common/http.js';
import type { HetznerCatalogueView, LocationView, ServerTypeView } from './catalogue-view.js';
import { invalidInput } from './errors.js';
import { paginate, readPaging } from './pagination.js';
import type { ApiRoute } from './routes.js';

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

/**
 * A server type with its per-location prices and the `locations` list (with `available`, false
 * while out of stock), which the API added when it dropped datacenters.
 */
export function serverTypeJson(t: ServerTypeView, cat: HetznerCatalogueView): Record<string, unknown> {
  const money = (n: number) => ({ net: n.toFixed(4), gross: (n * 1.19).toFixed(4) });
  const sold = [...t.prices.keys()].map((name) => cat.location(name)).filter((l): l is LocationView => l !== undefined);
  return {
    id: 100 + t.spec.vcpus,
    name: t.name,
    description: t.name.toUpperCase(),
    cores: t.spec.vcpus,
    memory: t.spec.memoryMiB / 1024,
    disk: t.spec.diskGB,
    deprecated: false,
    deprecation: null,
    prices: [...t.prices].map(([location, monthly]) => ({
      location,
      price_hourly: money(monthly / 730),
      price_monthly: money(monthly),
      included_traffic: 21990232555520,
      price_per_tb_traffic: money(1),
    })),
    storage_type: 'local',
    cpu_type: 'shared',
    architecture: 'x86',
    locations: sold.map((l) => ({ id: l.id, name: l.name, deprecation: null, available: cat.available(l.name, t.name), recommended: false })),
  };
}

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
