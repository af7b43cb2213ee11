import type { SimRequest, SimResponse } from '../common/http.js';
import { paginate } from './pagination.js';
import type { DoRoute, RouteDeps } from './route-types.js';

const NOT_FOUND = 'The resource you requested could not be found.';

/**
 * The read-only account and catalogue routes (DO-OAS: resources/account, regions, sizes,
 * images, actions; account keys are ssh-keys.ts), each with the scope a custom-scoped token needs for it
 * (docs.digitalocean.com/reference/api/scopes). Undefined when none matches.
 */
export function matchAccountRoute(req: SimRequest, parts: readonly (string | undefined)[], deps: RouteDeps): DoRoute | undefined {
  if (req.method !== 'GET') return undefined;
  const [resource, id, sub] = parts;
  const self = `http://${req.headers.host ?? '127.0.0.1'}${req.path}`;
  const list = (key: string, items: readonly unknown[]): SimResponse => {
    const page = paginate(items, req.query, self);
    return { status: 200, body: { [key]: page.items, links: page.links, meta: page.meta } };
  };
  if (resource === 'account' && id === undefined) {
    return { operation: 'account.get', scopes: ['account:read'], run: () => ({ status: 200, body: { account: deps.account.view(deps.store.dropletLimit) } }) };
  }
  if (id !== undefined) return resource === 'images' && sub === undefined ? { operation: 'images.get', scopes: ['image:read'], run: () => getImage(id, deps) } : undefined;
  if (resource === 'regions') return { operation: 'regions.list', scopes: ['regions:read'], run: () => list('regions', deps.catalog.regionSlugs().map(deps.render.region)) };
  if (resource === 'sizes') return { operation: 'sizes.list', scopes: ['sizes:read'], run: () => list('sizes', sizeSlugs(deps).map(deps.render.size)) };
  if (resource === 'actions') return { operation: 'actions.list', scopes: ['actions:read'], run: () => list('actions', deps.store.allActions().map((a) => deps.render.action(a, deps.store.now()))) };
  return undefined;
}

function getImage(key: string, deps: RouteDeps): SimResponse {
  const image = deps.catalog.image(/^\d+$/.test(key) ? Number(key) : key);
  return image ? { status: 200, body: { image: deps.render.image(image.slug) } } : deps.error(404, 'not_found', NOT_FOUND);
}

/** Every size some region offers now, in catalogue order. */
function sizeSlugs(deps: RouteDeps): string[] {
  return [...new Set(deps.catalog.regionSlugs().flatMap((r) => deps.catalog.sizesIn(r).map((s) => s.slug)))];
}
