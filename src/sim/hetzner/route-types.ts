import type { SimRequest, SimResponse } from '../common/http.js';
import type { HetznerCatalogueView } from './catalogue-view.js';
import type { HetznerProject } from './project.js';
import type { Renderer } from './render.js';
import type { ServerStore } from './server-store.js';

/** One API route: method + path pattern, the operation name used for faults and counts. */
export interface ApiRoute {
  method: string;
  pattern: RegExp;
  operation: string;
  handle(req: SimRequest, id: number): SimResponse;
}

export interface RouteDeps {
  store: ServerStore;
  render: Renderer;
  catalogue: HetznerCatalogueView;
  project: HetznerProject;
}
