import { StalledError } from '../../reconcile/errors.js';
import { TAG } from '../ownership.js';
import { explainKeyFailure, providerKeyName, type ProviderPublicKey } from '../ssh-keys.js';
import type { HetznerApiError } from './api-types.js';
import type { HetznerClient } from './http-client.js';

/** An SSH key of the project (HZ-OAS `/ssh_keys`; hcloud-go `schema.SSHKey`). */
export interface HetznerSshKey {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
  labels: Record<string, string>;
}

/**
 * Makes sure the project holds clusterops' key and returns its id. Looked up with
 * `GET /ssh_keys?fingerprint=<md5>` (what hcloud-go's `SSHKeyClient.GetByFingerprint` sends),
 * created when absent with labels naming this owner. A 409 `uniqueness_error` ("SSH key with the
 * same fingerprint already exists", HZ-OAS error examples) means another process created it
 * meanwhile: it is looked up again. Names are unique per project too; a name held by another
 * key stalls with `SshKeyRejected`.
 */
export async function ensureHetznerSshKey(client: HetznerClient, ownerId: string, key: ProviderPublicKey): Promise<number> {
  try {
    const found = await byFingerprint(client, key.md5);
    if (found) return found.id;
    const name = providerKeyName(ownerId, key);
    const taken = (status: number, e: HetznerApiError) => status === 409 && e.code === 'uniqueness_error';
    const body = { name, public_key: key.line, labels: { [TAG.owner]: ownerId } };
    const r = await client.request<{ ssh_key: HetznerSshKey }>({ operation: 'ssh_keys.create', method: 'POST', path: '/ssh_keys', body, accept: taken });
    if (r.ok) return r.data.ssh_key.id;
    const raced = await byFingerprint(client, key.md5);
    if (raced) return raced.id;
    throw new StalledError('SshKeyRejected', `Hetzner: an SSH key named ${name} already exists with another public key (${r.error.message}); delete that key so that clusterops can register its own`);
  } catch (err) {
    throw explainKeyFailure(err, 'Hetzner', 'a Read & Write API token');
  }
}

async function byFingerprint(client: HetznerClient, fingerprint: string): Promise<HetznerSshKey | undefined> {
  const r = await client.request<{ ssh_keys: HetznerSshKey[] }>({ operation: 'ssh_keys.list', method: 'GET', path: '/ssh_keys', query: { fingerprint } });
  return r.ok ? r.data.ssh_keys.find((k) => k.fingerprint === fingerprint) : undefined;
}
