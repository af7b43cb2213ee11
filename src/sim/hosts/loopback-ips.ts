import { IpPool } from '../common/ip-pool.js';

/**
 * Addresses for the demo's VMs from a loopback block (default 127.10.0.0/16; .0, .255 and
 * .1–.9 of every /24 skipped; released addresses handed out again first, as clouds do), so each simulated host's sshd can bind its VM's
 * own address on Linux without privileges or network set-up, and nothing leaves the machine.
 */
export function loopbackIps(cidr = '127.10.0.0/16'): IpPool {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}\/(?:[89]|[12]\d|3[0-2])$/.test(cidr)) throw new Error(`loopbackIps: ${cidr} is not a block inside 127.0.0.0/8`);
  return new IpPool([cidr]);
}
