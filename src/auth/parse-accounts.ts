import { ORG_ROLES, ORGANIZATION_ID, USER_ID, type AccountsData } from './types.js';

/** The parsed file, or the first problem found (a field path, never a value). */
export type ParseAccountsResult = { ok: true; value: AccountsData } | { ok: false; message: string };

type Check = (value: unknown, path: string) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const string: Check = (v, path) => (typeof v === 'string' && v !== '' ? null : `${path} must be a non-empty string`);
const optionalString: Check = (v, path) => (v === undefined ? null : string(v, path));
const matching =
  (pattern: RegExp): Check =>
  (v, path) =>
    typeof v === 'string' && pattern.test(v) ? null : `${path} must match ${pattern.source}`;
const oneOf =
  (values: readonly string[]): Check =>
  (v, path) =>
    typeof v === 'string' && values.includes(v) ? null : `${path} must be one of ${values.join(', ')}`;

const listOf =
  (item: Check): Check =>
  (v, path) => {
    if (!Array.isArray(v)) return `${path} must be a list`;
    for (const [i, entry] of v.entries()) {
      const problem = item(entry, `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };

const record =
  (fields: Record<string, Check>): Check =>
  (v, path) => {
    if (!isObject(v)) return `${path || 'the file'} must be an object`;
    for (const [key, check] of Object.entries(fields)) {
      const problem = check(v[key], path ? `${path}.${key}` : key);
      if (problem) return problem;
    }
    return null;
  };

const organization = record({ id: matching(ORGANIZATION_ID), name: string, createdAt: string });
const membership = record({ organizationId: matching(ORGANIZATION_ID), role: oneOf(ORG_ROLES) });
const user = record({ id: matching(USER_ID), name: optionalString, memberships: listOf(membership), createdAt: string });
const token = record({
  id: string,
  userId: matching(USER_ID),
  hash: matching(/^[0-9a-f]{64}$/),
  createdAt: string,
  description: optionalString,
});
const accounts = record({
  version: (v, path) => (v === 1 ? null : `${path} must be 1 (this file is from a newer clusterops?)`),
  organizations: listOf(organization),
  users: listOf(user),
  tokens: listOf(token),
});

/**
 * Parses and validates `accounts.json`. Pure. Messages name the offending field only, so a
 * malformed hash is never echoed.
 */
export function parseAccountsData(text: string): ParseAccountsResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'not valid JSON' };
  }
  const problem = accounts(raw, '');
  return problem ? { ok: false, message: problem } : { ok: true, value: raw as unknown as AccountsData };
}
