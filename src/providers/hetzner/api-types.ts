/**
 * The parts of Hetzner Cloud API v1 shapes this client reads (provider-apis.md §2). Today's API:
 * no `datacenter` on servers, and `public_net.ipv4` / `ipv6` may be null.
 */
export type HetznerServerStatus =
  | 'running'
  | 'initializing'
  | 'starting'
  | 'stopping'
  | 'off'
  | 'deleting'
  | 'migrating'
  | 'rebuilding'
  | 'unknown';

/** A server (`GET /servers/{id}` → `server`); `location` always present, IPs may be null. */
export interface HetznerServer {
  id: number;
  name: string;
  status: HetznerServerStatus;
  /** ISO 8601. */
  created: string;
  public_net: {
    ipv4: { ip: string } | null;
    ipv6: { ip: string } | null;
  };
  location: { name: string };
  server_type: { name: string };
  labels: Record<string, string>;
}

/** An asynchronous action; poll `GET /actions/{id}` until `status` is not `running`. */
export interface HetznerAction {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  progress: number;
  started: string;
  finished: string | null;
  resources: { id: number; type: string }[];
  error: { code: string; message: string } | null;
}

/** Every Hetzner error body: `{error: {code, message, details}}`. */
export interface HetznerApiError {
  code: string;
  message: string;
  details?: unknown;
}

/** `meta.pagination`; the page numbers other than `page` may be null. */
export interface HetznerPagination {
  page: number;
  per_page: number;
  previous_page: number | null;
  next_page: number | null;
  last_page: number | null;
  total_entries: number | null;
}

/** `GET /servers`: one page; follow `meta.pagination.next_page` until it is null. */
export interface ServerListResponse {
  servers: HetznerServer[];
  meta: { pagination: HetznerPagination };
}

/** `POST /servers`; `name` must be unique in the project (409 `uniqueness_error` otherwise). */
export interface CreateServerRequest {
  name: string;
  server_type: string;
  location: string;
  image: string;
  labels: Record<string, string>;
  start_after_create: boolean;
  /** Ids or names of keys registered in the project; without any, Hetzner sets a root password. */
  ssh_keys?: number[];
  user_data?: string;
  public_net?: { enable_ipv4: boolean; enable_ipv6: boolean };
}

/** `POST /servers` → 201; `root_password` is null when SSH keys were given. */
export interface CreateServerResponse {
  server: HetznerServer;
  action: HetznerAction;
  next_actions: HetznerAction[];
  root_password: string | null;
}
