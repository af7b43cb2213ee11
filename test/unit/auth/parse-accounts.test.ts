import { describe, expect, it } from 'vitest';
import { parseAccountsData } from '../../../src/auth/parse-accounts.js';

const HASH = 'ab'.repeat(32);
const valid = {
  version: 1,
  organizations: [{ id: 'org_a', name: 'A', createdAt: '2025-01-01T00:00:00.000Z' }],
  users: [{ id: 'user_a', memberships: [{ organizationId: 'org_a', role: 'admin' }], createdAt: '2025-01-01T00:00:00.000Z' }],
  tokens: [{ id: 'tok_a', userId: 'user_a', hash: HASH, createdAt: '2025-01-01T00:00:00.000Z' }],
};
const withChange = (change: (d: typeof valid & Record<string, unknown>) => void) => {
  const d = structuredClone(valid);
  change(d);
  return JSON.stringify(d);
};

describe('parseAccountsData', () => {
  it('accepts a valid file', () => {
    expect(parseAccountsData(JSON.stringify(valid))).toEqual({ ok: true, value: valid });
  });

  it.each([
    ['not JSON', '{', 'not valid JSON'],
    ['an array', '[]', 'the file must be an object'],
    ['another version', withChange((d) => Object.assign(d, { version: 2 })), 'version must be 1'],
    ['no tokens list', withChange((d) => Object.assign(d, { tokens: undefined })), 'tokens must be a list'],
    ['bad organization id', withChange((d) => (d.organizations[0]!.id = 'Org-A')), 'organizations[0].id must match'],
    ['bad role', withChange((d) => (d.users[0]!.memberships[0]!.role = 'owner')), 'users[0].memberships[0].role must be one of admin, member'],
    ['bad user name', withChange((d) => Object.assign(d.users[0]!, { name: 3 })), 'users[0].name must be a non-empty string'],
    ['hash not hex', withChange((d) => (d.tokens[0]!.hash = `${HASH.slice(1)}Z`)), 'tokens[0].hash must match'],
  ])('rejects %s, naming the field', (_name, text, message) => {
    const result = parseAccountsData(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain(message);
      expect(result.message).not.toContain(HASH.slice(1));
    }
  });
});
