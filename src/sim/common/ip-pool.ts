import { SavedShapeError, savedNumber, savedObject, savedStrings } from '../state/shape.js';

/**
 * Hands out the public IPv4 of simulated VMs. Addresses come from ranges that are never routed
 * (RFC 5737 documentation ranges, then the RFC 2544 benchmarking range for large runs), so a
 * simulated address can never reach a real host.
 */
export interface IpAllocator {
  allocate(): string;
  /** The VM is gone: its address may go to the next VM, as real clouds do. */
  release(ip: string): void;
}

const DEFAULT_RANGES = ['203.0.113.0/24', '198.51.100.0/24', '198.18.0.0/15'];

/** An IpPool as saved: its ranges and how far it got, so no address is handed out twice across restarts. */
export interface IpPoolSnapshot {
  ranges: string[];
  rangeIndex: number;
  next: number;
  used: string[];
  /** Released addresses, handed out again first (oldest first). */
  freed?: string[];
}

/**
 * Addresses in order from the ranges. A released address is handed out again before new ones
 * (oldest first), as DigitalOcean says it does when a droplet is destroyed and another created,
 * and as Hetzner and EC2 do with their pools: a new VM at a known address is a new machine with
 * a new host key. `reuse: false` never hands an address out twice.
 */
export class IpPool implements IpAllocator {
  private used = new Set<string>();
  private freed: string[] = [];
  private next = 0;
  private cidrs: string[];
  private ranges: { base: number; size: number }[];
  private rangeIndex = 0;

  constructor(
    cidrs: string[] = DEFAULT_RANGES,
    private readonly options: { reuse?: boolean } = {},
  ) {
    this.cidrs = [...cidrs];
    this.ranges = cidrs.map(parseCidr);
  }

  snapshot(): IpPoolSnapshot {
    return { ranges: [...this.cidrs], rangeIndex: this.rangeIndex, next: this.next, used: [...this.used], freed: [...this.freed] };
  }

  /** Continues where a saved pool stopped, in its ranges (the VMs hold addresses from them). */
  restore(saved: unknown): void {
    const s = savedObject(saved, 'ips');
    this.cidrs = savedStrings(s.ranges, 'ips.ranges');
    if (!this.cidrs.every((c) => /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c))) throw new SavedShapeError('ips.ranges are not IPv4 CIDR blocks');
    this.ranges = this.cidrs.map(parseCidr);
    this.rangeIndex = savedNumber(s.rangeIndex, 'ips.rangeIndex');
    this.next = savedNumber(s.next, 'ips.next');
    this.used = new Set(savedStrings(s.used, 'ips.used'));
    this.freed = s.freed === undefined ? [] : savedStrings(s.freed, 'ips.freed');
  }

  allocate(): string {
    const again = this.freed.shift();
    if (again !== undefined) {
      this.used.add(again);
      return again;
    }
    for (;;) {
      const range = this.ranges[this.rangeIndex];
      if (!range) throw new Error('simulated IP pool exhausted');
      // Skip .0 and .255 of every /24 so addresses look like host addresses.
      const ip = range.base + this.next;
      this.next += 1;
      if (this.next >= range.size) [this.rangeIndex, this.next] = [this.rangeIndex + 1, 0];
      const last = ip & 0xff;
      if (last === 0 || last === 255 || last < 10) continue;
      const text = toText(ip);
      this.used.add(text);
      return text;
    }
  }

  release(ip: string): void {
    if (!this.used.delete(ip)) return;
    if (this.options.reuse !== false) this.freed.push(ip);
  }
}

function parseCidr(cidr: string): { base: number; size: number } {
  const [addr, bits] = cidr.split('/');
  const parts = (addr ?? '').split('.').map(Number);
  const base = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  return { base, size: 2 ** (32 - Number(bits)) };
}

function toText(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join('.');
}
