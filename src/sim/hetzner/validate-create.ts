import type { SimResponse } from '../common/http.js';
import type { HetznerCatalogueView } from './catalogue-view.js';
import { hetznerError, invalidInput } from './errors.js';
import { labelsProblem } from './labels.js';
import type { NewServer } from './server-store.js';

/** The part of the `POST /v1/servers` body the emulator reads (provider-apis.md §2.2). */
export interface CreateServerBody {
  name?: unknown;
  server_type?: unknown;
  location?: unknown;
  datacenter?: unknown;
  image?: unknown;
  labels?: unknown;
  user_data?: unknown;
  ssh_keys?: unknown;
  public_net?: { enable_ipv4?: unknown; enable_ipv6?: unknown };
}

const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const MAX_USER_DATA = 32 * 1024;

/** Checks a create body against the API's rules and what Hetzner sells (offer.ts); a response is the 4xx to answer. */
export function validateCreate(body: CreateServerBody | undefined, cat: HetznerCatalogueView): NewServer | SimResponse {
  if (body === undefined || typeof body !== 'object' || body === null) return hetznerError(400, 'json_error', 'request body is not a JSON object');
  const { name, server_type: type, location, image } = body;
  if (typeof name !== 'string' || !HOSTNAME.test(name)) return invalidInput('name', 'name must be a valid hostname');
  if (typeof type !== 'string') return invalidInput('server_type', 'server_type is required');
  if (typeof image !== 'string' || !cat.image(image)) return invalidInput('image', `image '${String(image)}' not found`);
  if (body.datacenter !== undefined) return invalidInput('datacenter', 'datacenters have been removed; use location');
  const placement = placementProblem(type, location, cat);
  if (placement) return placement;
  const labels = body.labels ?? {};
  const labelProblem = labelsProblem(labels);
  if (labelProblem) return invalidInput('labels', labelProblem);
  if (body.user_data !== undefined && (typeof body.user_data !== 'string' || Buffer.byteLength(body.user_data) > MAX_USER_DATA)) {
    return invalidInput('user_data', 'user_data must be a string of at most 32 KiB');
  }
  return {
    name,
    serverType: type,
    location: typeof location === 'string' ? location : defaultLocation(type, cat)!,
    image,
    labels: labels as Record<string, string>,
    enableIpv4: body.public_net?.enable_ipv4 !== false,
    enableIpv6: body.public_net?.enable_ipv6 !== false,
  };
}

function placementProblem(type: string, location: unknown, cat: HetznerCatalogueView): SimResponse | null {
  const serverType = cat.serverType(type);
  if (!serverType) return invalidInput('server_type', `server type '${type}' not found`);
  if (location === undefined) return null;
  if (typeof location !== 'string' || !cat.location(location)) return invalidInput('location', `location '${String(location)}' not found`);
  if (!serverType.prices.has(location)) return invalidInput('server_type', 'unsupported location for server type');
  // Out of stock is not a validation error: the create route refuses it (counted).
  return null;
}

/** Without a location, Hetzner places the server itself: the first location that sells the type. */
function defaultLocation(type: string, cat: HetznerCatalogueView): string | undefined {
  return [...(cat.serverType(type)?.prices.keys() ?? [])][0];
}
