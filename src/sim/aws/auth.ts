import type { IncomingHttpHeaders } from 'node:http';
import { Ec2ApiError } from './api-error.js';
import { ec2Region } from './offer.js';

/** Who is calling, and for which Region, as the SigV4 credential scope says. */
export interface CallerScope {
  accessKeyId: string;
  region: string;
}

const SCOPE = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/ec2\/aws4_request/;

/**
 * Reads `Authorization: AWS4-HMAC-SHA256 Credential=<AKID>/<date>/<region>/ec2/aws4_request, …`.
 * Signatures are not verified (the SDK never checks credentials either, reference §3.1); the
 * access key id must be one the emulator was given.
 *
 * The Region comes from the scope because one emulator serves every Region. Real EC2 has no
 * endpoint for a Region that does not exist, and answers a request signed for the wrong Region
 * with `AuthFailure`; a Region that is not enabled answers `OptInRequired`. The emulator answers
 * the same way for Regions outside its own Region table (offer.ts), or not enabled there (or
 * opt-in Regions the account has not enabled).
 */
export function authenticate(headers: IncomingHttpHeaders, credentials: ReadonlySet<string>, notOptedIn: ReadonlySet<string> = new Set()): CallerScope | Ec2ApiError {
  const match = SCOPE.exec(headers.authorization ?? '');
  if (!match || !credentials.has(match[1]!)) {
    return new Ec2ApiError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
  }
  const region = match[3]!;
  const known = ec2Region(region);
  if (known?.enabled && !notOptedIn.has(region)) return { accessKeyId: match[1]!, region };
  if (!known) {
    return new Ec2ApiError('AuthFailure', `Credential should be scoped to a valid region, not '${region}'.`, 401);
  }
  return new Ec2ApiError('OptInRequired', 'You are not subscribed to this service. Please go to http://aws.amazon.com to subscribe.', 401);
}
