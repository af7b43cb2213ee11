/** One SSH key of the account, as `GET /v2/account/keys` shows it. */
export interface DoSshKey {
  id: number;
  name: string;
  /** MD5 of the key blob, colon-separated hex (what the API looks keys up by). */
  fingerprint: string;
  public_key: string;
}

/**
 * The simulated DigitalOcean account behind the emulator's tokens: what `GET /v2/account` says,
 * the scopes of custom-scoped tokens, the registered SSH keys, and what the account is offered
 * beyond the catalogue (a size sold out in a region, an image not there). Plain fields: tests
 * change them directly to stage a real account's problems.
 */
export class DoAccount {
  email = 'sim@clusterops.invalid';
  uuid = 'b6fr89dbf6d9156cace5f3c78dc9851d957381ef';
  emailVerified = true;
  /** `warning` / `locked` accounts cannot create droplets (reference: account model). */
  status: 'active' | 'warning' | 'locked' = 'active';
  statusMessage = '';
  teamUuid = '5df3e3004a17e242b7c20ca6c9fc25b701a47ece';
  teamName = 'Simulated Team';
  /** How many droplets the account may have at once (`droplet_limit`). */
  dropletLimit = 25;
  volumeLimit = 100;
  reservedIpLimit = 3;
  /**
   * Custom-scoped tokens (DigitalOcean PATs since 2024) and their scopes, e.g. `droplet:read`.
   * A token not listed has full access, like a legacy read & write token.
   */
  readonly tokenScopes = new Map<string, ReadonlySet<string>>();
  readonly sshKeys: DoSshKey[] = [];
  /** Region → sizes it does not offer now (sold out, withdrawn), although the catalogue lists them. */
  readonly withdrawnSizes = new Map<string, Set<string>>();
  /** Image slug → regions it is not available in. */
  readonly withdrawnImages = new Map<string, Set<string>>();

  /** Whether `token` may use an endpoint that needs every one of `scopes`. */
  allows(token: string, scopes: readonly string[]): boolean {
    const granted = this.tokenScopes.get(token);
    return granted === undefined || scopes.every((s) => granted.has(s));
  }

  withdrawSize(region: string, size: string): void {
    add(this.withdrawnSizes, region, size);
  }

  withdrawImage(slug: string, region: string): void {
    add(this.withdrawnImages, slug, region);
  }

  sizeWithdrawn(region: string, size: string): boolean {
    return this.withdrawnSizes.get(region)?.has(size) === true;
  }

  imageWithdrawn(slug: string, region: string): boolean {
    return this.withdrawnImages.get(slug)?.has(region) === true;
  }

  /** The `account` object of `GET /v2/account` (DO-OAS: resources/account/models/account.yml). */
  view(): Record<string, unknown> {
    return {
      droplet_limit: this.dropletLimit,
      floating_ip_limit: this.reservedIpLimit,
      reserved_ip_limit: this.reservedIpLimit,
      volume_limit: this.volumeLimit,
      email: this.email,
      name: this.teamName,
      uuid: this.uuid,
      email_verified: this.emailVerified,
      status: this.status,
      status_message: this.statusMessage,
      team: { uuid: this.teamUuid, name: this.teamName },
    };
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}
