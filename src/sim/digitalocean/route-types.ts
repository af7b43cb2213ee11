import type { SimResponse } from '../common/http.js';
import type { DoAccount } from './account.js';
import type { DoCatalog } from './catalog.js';
import type { DoRenderer } from './render.js';
import type { DropletStore } from './store.js';

/** Builds the API's error body `{id, message, request_id}` (DigitalOcean API reference, "Errors"). */
export type ErrorResponder = (status: number, id: string, message: string) => SimResponse;

export interface RouteDeps {
  store: DropletStore;
  account: DoAccount;
  catalog: DoCatalog;
  render: DoRenderer;
  error: ErrorResponder;
}

/** A matched API call: the operation name (for faults) and what it does. */
export interface DoRoute {
  operation: string;
  /** What a custom-scoped token needs for it (docs.digitalocean.com/reference/api/scopes). */
  scopes: readonly string[];
  run(): SimResponse;
}
