import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Provider } from '../../src/domain/manifest/types.js';
import { TAG } from '../../src/providers/ownership.js';
import type { SimCredentials } from '../../src/sim/cloud.js';
import { git } from './repo.js';
import { PAGE_SIZE } from './fleet.js';

/** What the floor of an idle pass needs to reach the cloud and the remote. */
export interface ListFloorTarget {
  remote: string;
  endpoints: Record<Provider, string>;
  credentials: SimCredentials;
  ownerId: string;
  /** EC2 Regions in use (one listing each). */
  awsRegions: readonly string[];
}

/**
 * The least work an idle pass cannot avoid: one `git ls-remote` of the tracked branch, and every
 * list page of the owner's VMs fetched and decoded — DigitalOcean and Hetzner pages with `fetch`
 * and `JSON.parse`, EC2 pages through the SDK (its XML decoder is the cheapest one we have).
 * Returns the milliseconds taken and the pages read.
 */
export async function listFloor(t: ListFloorTarget): Promise<{ ms: number; pages: number }> {
  const t0 = performance.now();
  await git(process.cwd(), 'ls-remote', t.remote, 'refs/heads/main');
  let pages = 0;
  const json = async (url: string, token: string) => {
    pages++;
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const doTag = encodeURIComponent(`${TAG.owner}:${t.ownerId}`);
  for (let page = 1; ; page++) {
    const body = await json(`${t.endpoints.digitalocean}/droplets?tag_name=${doTag}&page=${page}&per_page=${PAGE_SIZE.digitalocean}`, t.credentials.digitalocean.token);
    if (!(body.links as { pages?: { next?: string } } | undefined)?.pages?.next) break;
  }
  const selector = encodeURIComponent(`${TAG.owner}=${t.ownerId}`);
  for (let page = 1; ; page++) {
    const body = await json(`${t.endpoints.hetzner}/servers?label_selector=${selector}&page=${page}&per_page=${PAGE_SIZE.hetzner}`, t.credentials.hetzner.token);
    if (!(body.meta as { pagination?: { next_page?: number | null } } | undefined)?.pagination?.next_page) break;
  }
  for (const region of t.awsRegions) {
    const client = new EC2Client({ region, endpoint: t.endpoints.aws, credentials: t.credentials.aws, maxAttempts: 1 });
    let token: string | undefined;
    do {
      pages++;
      const out = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${TAG.owner}`, Values: [t.ownerId] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }], MaxResults: PAGE_SIZE.aws, ...(token ? { NextToken: token } : {}) }));
      token = out.NextToken;
    } while (token);
    client.destroy();
  }
  return { ms: performance.now() - t0, pages };
}
