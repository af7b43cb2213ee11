import { lookupSize } from '../../src/domain/catalogue/catalogue.js';
import type { PlanName, Provider, Role } from '../../src/domain/manifest/types.js';
import { ownershipTags, vmName } from '../../src/providers/ownership.js';
import type { RunningEmulator } from '../../src/sim/common/types.js';

/** One benchmark cluster: what its manifest says (and what the seeded cloud runs). */
export interface FleetCluster {
  id: string;
  name: string;
  provider: Provider;
  region: string;
  groups: { role: Role; plan: PlanName; count: number }[];
}

/** Several regions per provider, all of which sell every plan. */
export const REGIONS: Record<Provider, string[]> = {
  digitalocean: ['ams3', 'fra1', 'nyc1', 'sfo3', 'sgp1'],
  hetzner: ['fsn1', 'nbg1', 'hel1'],
  aws: ['us-east-1', 'eu-west-1', 'ap-northeast-1', 'us-west-2'],
};
const PROVIDERS: Provider[] = ['digitalocean', 'hetzner', 'aws'];
const WORKER_PLANS: PlanName[] = ['nano', 'micro', 'small', 'medium'];

/** The providers' largest list page (reference §1.3, §2.3, §3): what clusterops asks for. */
export const PAGE_SIZE: Record<Provider, number> = { digitalocean: 200, hetzner: 50, aws: 1000 };

/** A small deterministic PRNG (mulberry32), so every run benchmarks the same fleet. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` clusters of 3–10 nodes (1 or 3 managers), spread over the three providers and their regions. */
export function fleet(n: number, seed = 10): FleetCluster[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const provider = PROVIDERS[i % PROVIDERS.length]!;
    const total = 3 + Math.floor(rnd() * 8);
    const managers = total >= 6 ? 3 : 1;
    const name = `bench-${String(i).padStart(4, '0')}`;
    return {
      id: `cluster_b${String(i).padStart(4, '0')}`,
      name,
      provider,
      region: pick(REGIONS[provider]),
      groups: [
        { role: 'manager', plan: 'small', count: managers },
        { role: 'worker', plan: pick(WORKER_PLANS), count: total - managers },
      ],
    };
  });
}

export function nodeCount(c: FleetCluster): number {
  return c.groups.reduce((n, g) => n + g.count, 0);
}

/** The manifest a person would write for the cluster (with its id, as after id assignment). */
export function manifestText(c: FleetCluster): string {
  return [
    `# ${c.name}: a benchmark cluster`,
    `id: ${c.id}`,
    'organizationId: org_abc123',
    `name: ${c.name}`,
    `provider: ${c.provider}`,
    `region: ${c.region}`,
    'orchestrator: kubernetes',
    'nodes:',
    ...c.groups.flatMap((g) => [`  - role: ${g.role}`, `    plan: ${g.plan}`, `    count: ${g.count}`]),
    '',
  ].join('\n');
}

export function manifestFiles(clusters: readonly FleetCluster[]): Record<string, string> {
  return Object.fromEntries(clusters.map((c) => [`clusters/${c.name}.yaml`, manifestText(c)]));
}

/**
 * Puts every cluster's VMs straight into the emulators' state, running and carrying the
 * ownership tags clusterops writes (node_001, node_002 … in group order), as if a previous
 * clusterops had converged them.
 */
export function seedFleet(emulators: Record<Provider, RunningEmulator>, ownerId: string, clusters: readonly FleetCluster[]): number {
  let seeded = 0;
  for (const c of clusters) {
    let n = 0;
    for (const g of c.groups) {
      const size = lookupSize(c.provider, c.region, g.plan);
      if (!size.ok) throw new Error(size.message);
      for (let i = 0; i < g.count; i++) {
        const nodeId = `node_${String(++n).padStart(3, '0')}`;
        const req = { region: c.region, clusterId: c.id, clusterName: c.name, nodeId, role: g.role, plan: g.plan, size: size.size.size, requestToken: `seed-${c.id}-${nodeId}` };
        emulators[c.provider].seedVm({ region: c.region, size: req.size, name: vmName(req, ownerId), tags: ownershipTags(ownerId, req) });
        seeded++;
      }
    }
  }
  return seeded;
}

/**
 * The list pages one observation of the fleet needs, from the providers' page sizes: DigitalOcean
 * and Hetzner list the whole account by owner tag/label; EC2 lists each Region in use.
 */
export function listPages(clusters: readonly FleetCluster[]): Record<Provider, number> {
  const vms = (p: Provider, region?: string) => clusters.filter((c) => c.provider === p && (region === undefined || c.region === region)).reduce((n, c) => n + nodeCount(c), 0);
  const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
  const awsRegions = [...new Set(clusters.filter((c) => c.provider === 'aws').map((c) => c.region))];
  return {
    digitalocean: pages(vms('digitalocean'), PAGE_SIZE.digitalocean),
    hetzner: pages(vms('hetzner'), PAGE_SIZE.hetzner),
    aws: awsRegions.reduce((n, r) => n + pages(vms('aws', r), PAGE_SIZE.aws), 0),
  };
}
