import type { CreateServerRequest, CreateServerResponse, HetznerApiError, HetznerServer, ServerListResponse } from './api-types.js';
import type { HetznerClient } from './http-client.js';

/** The largest page Hetzner serves. */
export const MAX_PER_PAGE = 50;

/**
 * The server endpoints the adapter uses, typed. Failures other than the ones given a value
 * here (not found, name taken) are thrown classified by the client.
 */
export interface ServersApi {
  /** Every server matching the filter, following `meta.pagination.next_page` to the end. */
  listAll(filter: { labelSelector?: string; name?: string }): Promise<HetznerServer[]>;
  /** null when there is no such server. */
  get(id: number): Promise<HetznerServer | null>;
  /**
   * `nameTaken` on `uniqueness_error`: a server with this name exists already;
   * `sshKeyRejected` when a key named in `ssh_keys` is not in the project: nothing was created.
   */
  create(body: CreateServerRequest): Promise<CreateServerResponse | 'nameTaken' | 'sshKeyRejected'>;
  /** `gone` when the server did not exist (any more). */
  delete(id: number): Promise<'deleting' | 'gone'>;
}

const notFound = (status: number) => status === 404;

export function createServersApi(client: HetznerClient): ServersApi {
  return {
    async listAll(filter) {
      const servers: HetznerServer[] = [];
      for (let page: number | null = 1; page !== null; ) {
        const query: Record<string, string> = { per_page: String(MAX_PER_PAGE), page: String(page) };
        if (filter.labelSelector !== undefined) query.label_selector = filter.labelSelector;
        if (filter.name !== undefined) query.name = filter.name;
        const r = await client.request<ServerListResponse>({ operation: 'servers.list', method: 'GET', path: '/servers', query });
        if (!r.ok) break;
        servers.push(...r.data.servers);
        const next: number | null = r.data.meta.pagination.next_page;
        // A next page that does not move forward would loop forever; stop instead.
        page = next !== null && next > page ? next : null;
      }
      return servers;
    },
    async get(id) {
      const r = await client.request<{ server: HetznerServer }>({ operation: 'servers.get', method: 'GET', path: `/servers/${id}`, accept: notFound });
      return r.ok ? r.data.server : null;
    },
    async create(body) {
      // The code alone says the name is taken (hcloud-go does the same); the status (409 today) may change.
      const nameTaken = (_status: number, e: HetznerApiError) => e.code === 'uniqueness_error';
      const accept = (status: number, e: HetznerApiError) => nameTaken(status, e) || sshKeyRejected(e);
      const r = await client.request<CreateServerResponse>({ operation: 'servers.create', method: 'POST', path: '/servers', body, accept });
      if (r.ok) return r.data;
      return nameTaken(r.status, r.error) ? 'nameTaken' : 'sshKeyRejected';
    },
    async delete(id) {
      const r = await client.request<unknown>({ operation: 'servers.delete', method: 'DELETE', path: `/servers/${id}`, accept: notFound });
      return r.ok ? 'deleting' : 'gone';
    },
  };
}

/**
 * An unknown key in `ssh_keys`: a 422 `invalid_input` on the `ssh_keys` field (the shape of
 * Hetzner's field errors, HZ-OAS "Errors"; hetzneronline/community-content#510 reports the 422 on
 * that field), or a `not_found` naming an SSH key, should the API answer that way.
 */
function sshKeyRejected(e: HetznerApiError): boolean {
  const fields = (e.details as { fields?: { name?: unknown }[] } | undefined)?.fields;
  if (e.code === 'invalid_input' && Array.isArray(fields)) return fields.some((f) => f?.name === 'ssh_keys');
  return e.code === 'not_found' && /ssh[ _-]?key/i.test(e.message);
}
