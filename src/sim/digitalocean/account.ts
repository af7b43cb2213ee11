import { PairSet } from '../common/pair-set.js';

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
  volumeLimit = 100;
  reservedIpLimit = 3;
  /**
   * Custom-scoped tokens (DigitalOcean PATs since 2024) and their scopes, e.g. `droplet:read`.
   * A token not listed has full access, like a legacy read & write token.
   */
  readonly tokenScopes = new Map<string, ReadonlySet<string>>();
  /** (region, size) pairs not offered now (sold out, withdrawn), although DigitalOcean sells them there. */
  readonly withdrawnSizes = new PairSet();
  /** (image slug, region) pairs: the image is not available in that region. */
  readonly withdrawnImages = new PairSet();

  /** Whether `token` may use an endpoint that needs every one of `scopes`. */
  allows(token: string, scopes: readonly string[]): boolean {
    const granted = this.tokenScopes.get(token);
    return granted === undefined || scopes.every((s) => granted.has(s));
  }

  /**
   * The `account` object of `GET /v2/account` (DO-OAS: resources/account/models/account.yml), with
   * the droplet limit the store enforces (`PUT /__sim/limits` changes it).
   */
  view(dropletLimit: number): Record<string, unknown> {
    return {
      droplet_limit: dropletLimit,
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
