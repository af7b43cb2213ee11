import type { SimVmView } from '../common/types.js';
import type { HetznerCatalogueView, LocationView, ServerTypeView } from './catalogue-view.js';
import type { ActionRecord, ServerRecord, ServerStore } from './server-store.js';

/**
 * JSON shapes of today's Hetzner Cloud API (provider-apis.md §2.2): `location` present, no
 * `datacenter` (removed 2026-07-01), `public_net.ipv4` / `ipv6` null when disabled.
 */
export interface Renderer {
  server(s: ServerRecord): Record<string, unknown>;
  action(a: ActionRecord): Record<string, unknown>;
  vmView(s: ServerRecord): SimVmView;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function createRenderer(store: ServerStore, cat: HetznerCatalogueView, now: () => number): Renderer {
  const ip = (s: ServerRecord) => ({
    ipv4: s.ipv4 === null ? null : { id: s.id, ip: s.ipv4, blocked: false, dns_ptr: `static.${s.ipv4.split('.').reverse().join('.')}.clients.your-server.de` },
    ipv6: s.ipv6 === null ? null : { id: s.id + 1, ip: s.ipv6, blocked: false, dns_ptr: [] },
    floating_ips: [],
    firewalls: [],
  });
  return {
    server: (s) => ({
      id: s.id,
      name: s.name,
      status: store.status(s),
      created: iso(s.createdAt),
      public_net: ip(s),
      private_net: [],
      server_type: serverType(cat, s.serverType),
      location: cat.location(s.location) ?? null,
      image: { id: 161547269, type: 'system', status: 'available', name: s.image, os_flavor: s.image.split('-')[0], os_version: s.image.split('-')[1] ?? null },
      iso: null,
      rescue_enabled: false,
      locked: false,
      backup_window: null,
      outgoing_traffic: 0,
      ingoing_traffic: 0,
      included_traffic: 21990232555520,
      protection: { delete: false, rebuild: false },
      labels: { ...s.labels },
      volumes: [],
      load_balancers: [],
      primary_disk_size: cat.serverType(s.serverType)?.spec.diskGB ?? 0,
      placement_group: null,
    }),
    action: (a) => {
      const done = now() >= a.finishesAt;
      const span = Math.max(1, a.finishesAt - a.startedAt);
      return {
        id: a.id,
        command: a.command,
        status: done ? 'success' : 'running',
        progress: done ? 100 : Math.min(99, Math.floor(((now() - a.startedAt) / span) * 100)),
        started: iso(a.startedAt),
        finished: done ? iso(a.finishesAt) : null,
        resources: [{ id: a.serverId, type: 'server' }],
        error: null,
      };
    },
    vmView: (s) => ({
      provider: 'hetzner',
      id: String(s.id),
      name: s.name,
      region: s.location,
      size: s.serverType,
      status: store.status(s),
      ip: s.ipv4,
      tags: { ...s.labels },
      createdAt: iso(s.createdAt),
      ...(s.sshKeyIds ? { providerSshKey: s.sshKeyIds.length > 0 } : {}),
    }),
  };
}

function serverType(cat: HetznerCatalogueView, name: string): Record<string, unknown> {
  const view = cat.serverType(name);
  return view ? serverTypeJson(view, cat) : { id: 0, name, description: name.toUpperCase(), cores: 0, memory: 0, disk: 0, deprecated: true, prices: [], locations: [] };
}

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
