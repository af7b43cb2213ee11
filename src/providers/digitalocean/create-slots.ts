import { TransientError } from '../../reconcile/errors.js';
import type { DropletJson } from './droplets.js';

/**
 * "You can't create more than 10 Droplets at the same time using the control panel or the API"
 * (https://docs.digitalocean.com/products/droplets/details/limits/): per account, whatever asks.
 */
export const DO_CONCURRENT_CREATES = 10;
/** A droplet still `new` after this long no longer holds a slot (DigitalOcean boots in about a minute). */
const MAX_CREATING_MS = 10 * 60_000;
/** A full set of slots is checked against a fresh listing at most this often. */
const REFRESH_MS = 2_000;

/**
 * The account's droplet creates in progress, as the adapter made them: a slot is taken right
 * before a POST and then follows its droplet until a listing or a read shows it no longer `new`
 * (or it is deleted, or `MAX_CREATING_MS` pass). One adapter serves every cluster on its token,
 * so twelve clusters scaling up at once still have at most `limit` droplets in creation, where a
 * per-pass limit would let each of them start ten. Droplets made by other tools on the account
 * are not seen; DigitalOcean's own refusal of those is a transient `CreateLimit` too.
 */
export class CreateSlots {
  /** Droplet id → when its create was answered. */
  private readonly creating = new Map<number, number>();
  private reserved = 0;
  private refreshedAt = -Infinity;
  private refreshing: Promise<void> | undefined;

  constructor(
    readonly limit: number,
    private readonly now: () => number,
  ) {}

  /**
   * Takes a slot for a create about to be attempted (the token listing, then the POST; `settle`
   * gives it back or hands it to the droplet). When all are taken, refreshes once from `list` (the adapter's droplets) and
   * throws `TransientError('CreateLimit')` if still none is free.
   */
  async take(list: () => Promise<DropletJson[]>): Promise<void> {
    if (this.full()) {
      // One listing for every create that finds the slots full meanwhile.
      if (!this.refreshing && this.now() - this.refreshedAt >= REFRESH_MS) this.refreshing = this.refresh(list).finally(() => (this.refreshing = undefined));
      await this.refreshing;
    }
    if (this.full()) {
      // Retried when the next refresh may free a slot, not after a backoff that grows with each refusal.
      throw new TransientError('CreateLimit', `DigitalOcean: ${this.limit} droplets of this account are being created; the next create waits until one of them is active`, { retryAfterMs: REFRESH_MS });
    }
    this.reserved += 1;
  }

  /** The POST answered with `droplet`, or failed (no droplet): the slot follows it or is freed. */
  settle(droplet?: DropletJson): void {
    this.reserved -= 1;
    if (droplet?.status === 'new') this.creating.set(droplet.id, this.now());
  }

  /** A listing or a read showed `d`: once it is no longer `new`, its create is over. */
  seen(d: DropletJson): void {
    if (d.status !== 'new') this.creating.delete(d.id);
  }

  forget(id: number): void {
    this.creating.delete(id);
  }

  private full(): boolean {
    const now = this.now();
    for (const [id, since] of this.creating) if (now - since >= MAX_CREATING_MS) this.creating.delete(id);
    return this.creating.size + this.reserved >= this.limit;
  }

  private async refresh(list: () => Promise<DropletJson[]>): Promise<void> {
    this.refreshedAt = this.now();
    // Only what the listing shows frees a slot: a droplet missing from it may just be too new to
    // be listed yet (tag listings lag); one deleted behind our back frees its slot with age.
    for (const d of await list()) this.seen(d);
  }
}
