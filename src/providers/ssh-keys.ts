import { createHash } from 'node:crypto';
import { StalledError } from '../reconcile/errors.js';

/**
 * clusterops' SSH public key as DigitalOcean and Hetzner register it (finding B1 of the
 * real-cloud audit). Without a key registered at the provider and named in `ssh_keys` on create,
 * both give the VM an expiring root password: key authentication through cloud-init still works,
 * but PAM then refuses every non-interactive command ("Password change required but no TTY
 * available"), so no node would ever join.
 */
export interface ProviderPublicKey {
  /** The authorized_keys line as it is registered (`<type> <base64> [comment]`). */
  line: string;
  /**
   * The MD5 fingerprint of the key blob, colon-separated hex (`aa:bb:…`): the identifier both
   * providers look keys up by (DigitalOcean `GET /v2/account/keys/{fingerprint}`, Hetzner
   * `GET /v1/ssh_keys?fingerprint=`; both document the field as "MD5 fingerprint").
   */
  md5: string;
}

/** Key types both providers accept (Hetzner lists these in its `invalid_input` message for `public_key`). */
const KEY_TYPES = new Set(['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com']);

/**
 * Reads one OpenSSH public key line. The blob must be base64 whose first SSH string names the
 * same type as the line (what `ssh-keygen -l` checks). Throws `StalledError('SshKeyRejected')`.
 */
export function readPublicKey(line: string): ProviderPublicKey {
  const trimmed = line.trim();
  const [type, b64, ...rest] = trimmed.split(/\s+/);
  const rejected = (why: string) => new StalledError('SshKeyRejected', `clusterops' SSH public key cannot be registered with the provider: ${why}`);
  if (/[\r\n]/.test(trimmed)) throw rejected('it is more than one line');
  if (type === undefined || b64 === undefined || !KEY_TYPES.has(type)) throw rejected('not an OpenSSH public key line of a supported type');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw rejected('its key data is not base64');
  const blob = Buffer.from(b64, 'base64');
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (nameLength < 0 || 4 + nameLength > blob.length || blob.subarray(4, 4 + nameLength).toString('latin1') !== type) throw rejected(`its key data is not a ${type} key`);
  return { line: [type, b64, ...rest].join(' '), md5: md5Fingerprint(blob) };
}

/** `ssh-keygen -l -E md5` without the `MD5:` prefix: the hex MD5 of the key blob, bytes joined by `:`. */
export function md5Fingerprint(blob: Buffer): string {
  return createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:');
}

/**
 * The name clusterops gives the key it registers: the owner id says whose it is, and the start of
 * the fingerprint keeps a rotated key from colliding with the old one (Hetzner names are unique
 * per project).
 */
export function providerKeyName(ownerId: string, key: ProviderPublicKey): string {
  return `clusterops-${ownerId}-${key.md5.replaceAll(':', '').slice(0, 8)}`;
}

/**
 * Remembers, per fingerprint, the provider's id of a key once ensured: registration costs one
 * lookup per adapter (DigitalOcean limits its key listing to 10 calls a minute, so it is never
 * listed). Concurrent callers share one lookup; a failed one is not kept; `forget` is for when
 * the provider says the key is missing after all (deleted in the console).
 */
export class ProviderKeyCache<Id> {
  private readonly ensured = new Map<string, Promise<Id>>();

  constructor(private readonly ensure: (key: ProviderPublicKey) => Promise<Id>) {}

  idOf(key: ProviderPublicKey): Promise<Id> {
    let pending = this.ensured.get(key.md5);
    if (!pending) {
      pending = this.ensure(key);
      this.ensured.set(key.md5, pending);
      pending.catch(() => this.ensured.get(key.md5) === pending && this.ensured.delete(key.md5));
    }
    return pending;
  }

  forget(key: ProviderPublicKey): void {
    this.ensured.delete(key.md5);
  }
}

/**
 * Runs a create that names the key: if the provider answers that the key is unknown, the key is
 * ensured afresh (it was deleted since it was cached) and the create tried once more. A refusal
 * means nothing was created, so the second try cannot duplicate a VM.
 */
export async function withProviderKey<Id, T>(
  keys: ProviderKeyCache<Id>,
  key: ProviderPublicKey | undefined,
  create: (ids: Id[]) => Promise<T | 'sshKeyRejected'>,
  provider: string,
): Promise<T> {
  if (!key) {
    const created = await create([]);
    if (created === 'sshKeyRejected') throw new StalledError('SshKeyRejected', `${provider} refused the create's SSH keys`);
    return created;
  }
  const first = await create([await keys.idOf(key)]);
  if (first !== 'sshKeyRejected') return first;
  keys.forget(key);
  const second = await create([await keys.idOf(key)]);
  if (second !== 'sshKeyRejected') return second;
  throw new StalledError('SshKeyRejected', `${provider} refused clusterops' SSH key (${key.md5}) on create although it is registered; check the key in the account`);
}

/** A refused token gets the scopes it lacks in its message; a refused key becomes `SshKeyRejected`. */
export function explainKeyFailure(err: unknown, provider: string, needs: string): unknown {
  if (!(err instanceof StalledError)) return err;
  if (err.reason === 'Unauthorized') return new StalledError('Unauthorized', `${err.message}: registering clusterops' SSH key needs ${needs}`, { cause: err });
  if (err.reason === 'InvalidRequest') return new StalledError('SshKeyRejected', `${provider} refused to register clusterops' SSH key: ${err.message}`, { cause: err });
  return err;
}
