import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accountsFilePath, createAccountsFile, type AccountsFile } from '../../../src/auth/accounts-file.js';
import { createAccounts, openAccounts, type Accounts } from '../../../src/auth/accounts.js';
import { ensureDemoAccounts, readDemoToken, writeDemoToken } from '../../../src/auth/demo.js';
import { hashToken } from '../../../src/auth/tokens.js';
import { AccountsError } from '../../../src/auth/types.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterops-accounts-'));
  dirs.push(dir);
  return dir;
};
const fileText = (dir: string) => readFileSync(accountsFilePath(dir), 'utf8');

/** An organization with an admin and a member. */
async function seeded(): Promise<{ dir: string; accounts: Accounts }> {
  const dir = tempDir();
  const accounts = await openAccounts(dir);
  await accounts.createOrganization('org_acme', 'Acme');
  await accounts.addUser('user_ada', { organizationId: 'org_acme', role: 'admin', name: 'Ada' });
  await accounts.addUser('user_max', { organizationId: 'org_acme', role: 'member' });
  return { dir, accounts };
}

async function refusal(promise: Promise<unknown>): Promise<AccountsError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AccountsError);
  return err as AccountsError;
}

describe('accounts file', () => {
  it('stores only the hash of a token, in a 0600 file, and the token authenticates', async () => {
    const { dir, accounts } = await seeded();
    const { id, token } = await accounts.createToken('user_max', 'laptop');
    const text = fileText(dir);
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('_')[2]);
    expect(text).toContain(hashToken(token));
    expect(statSync(accountsFilePath(dir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['accounts.json']);
    expect(await accounts.authenticate(token)).toEqual({ userId: 'user_max', memberships: [{ organizationId: 'org_acme', role: 'member' }] });
    expect(await accounts.listTokens('user_max')).toEqual([{ id, userId: 'user_max', createdAt: expect.any(String), description: 'laptop' }]);
  });

  it('rejects wrong, malformed and revoked tokens', async () => {
    const { accounts } = await seeded();
    const { id, token } = await accounts.createToken('user_ada');
    const other = await accounts.createToken('user_ada');
    for (const bad of [`${token}x`, token.slice(0, -1), '', ' ', 'x'.repeat(10_000), `${token} `]) {
      expect(await accounts.authenticate(bad)).toBeNull();
    }
    expect((await accounts.revokeToken(id)).id).toBe(id);
    expect(await accounts.authenticate(token)).toBeNull();
    expect(await accounts.authenticate(other.token)).not.toBeNull();
    expect((await accounts.listTokens()).map((t) => t.id)).toEqual([other.id]);
  });

  it('never returns or reveals hashes', async () => {
    const { accounts } = await seeded();
    const { token } = await accounts.createToken('user_ada');
    const listed = await accounts.listTokens();
    expect(Object.keys(listed[0]!)).not.toContain('hash');
    const err = await refusal(accounts.revokeToken(token));
    expect(err.code).toBe('Invalid');
    expect(err.message).not.toContain(token);
    expect(err.message).not.toContain(hashToken(token));
  });

  it.each([
    ['an existing organization', (a: Accounts) => a.createOrganization('org_acme'), 'Conflict', 'organization org_acme already exists'],
    ['a malformed organization id', (a: Accounts) => a.createOrganization('acme'), 'Invalid', 'must match'],
    ['an unknown organization', (a: Accounts) => a.addUser('user_bo', { organizationId: 'org_none', role: 'member' }), 'NotFound', 'org_none'],
    ['a malformed user id', (a: Accounts) => a.addUser('Bo', { organizationId: 'org_acme', role: 'member' }), 'Invalid', 'must match'],
    ['a token for an unknown user', (a: Accounts) => a.createToken('user_ghost'), 'NotFound', 'user_ghost'],
    ['a multi-line description', (a: Accounts) => a.createToken('user_ada', 'a\nb'), 'Invalid', 'one line'],
    ['revoking an unknown token', (a: Accounts) => a.revokeToken('tok_nope'), 'NotFound', 'tok_nope'],
    ['listing an unknown user', (a: Accounts) => a.listTokens('user_ghost'), 'NotFound', 'user_ghost'],
  ])('refuses %s with a typed error', async (_name, call, code, message) => {
    const { dir, accounts } = await seeded();
    const before = fileText(dir);
    const err = await refusal(call(accounts));
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
    expect(fileText(dir)).toBe(before);
  });

  it('adds memberships and changes roles', async () => {
    const { accounts } = await seeded();
    await accounts.createOrganization('org_beta');
    expect((await accounts.addUser('user_max', { organizationId: 'org_beta', role: 'admin' })).change).toBe('joined');
    expect((await accounts.addUser('user_max', { organizationId: 'org_acme', role: 'admin' })).change).toBe('role-changed');
    expect((await accounts.addUser('user_max', { organizationId: 'org_acme', role: 'admin' })).change).toBe('unchanged');
    expect((await accounts.addUser('user_new', { organizationId: 'org_acme', role: 'member' })).change).toBe('created');
    expect((await accounts.user('user_max'))?.memberships).toEqual([
      { organizationId: 'org_acme', role: 'admin' },
      { organizationId: 'org_beta', role: 'admin' },
    ]);
    expect(await accounts.organization('org_beta')).toMatchObject({ id: 'org_beta', name: 'org_beta' });
    expect(await accounts.user('user_ghost')).toBeNull();
  });
});

describe('several processes on one file', () => {
  it('sees changes another process made, through the stat check', async () => {
    const { dir, accounts: daemon } = await seeded();
    const cli = await openAccounts(dir);
    const { id, token } = await cli.createToken('user_max');
    expect(await daemon.authenticate(token)).toMatchObject({ userId: 'user_max' });
    await cli.addUser('user_max', { organizationId: 'org_acme', role: 'admin' });
    expect(await daemon.authenticate(token)).toEqual({ userId: 'user_max', memberships: [{ organizationId: 'org_acme', role: 'admin' }] });
    await cli.revokeToken(id);
    expect(await daemon.authenticate(token)).toBeNull();
  });

  it('stats once per call and re-reads only after a change', async () => {
    const { dir } = await seeded();
    const calls = { signature: 0, read: 0 };
    const real = createAccountsFile(accountsFilePath(dir));
    const counted: AccountsFile = {
      ...real,
      signature: () => (calls.signature++, real.signature()),
      read: () => (calls.read++, real.read()),
    };
    const daemon = createAccounts(counted);
    const { token } = await createAccounts(real).createToken('user_ada');
    for (let i = 0; i < 5; i++) expect(await daemon.authenticate(token)).not.toBeNull();
    expect(calls).toEqual({ signature: 5, read: 1 });
    await createAccounts(real).createToken('user_ada');
    await daemon.authenticate(token);
    expect(calls).toEqual({ signature: 6, read: 2 });
  });

  it('keeps another process’s changes when writing from a stale view', async () => {
    const { dir, accounts: a } = await seeded();
    await a.listTokens(); // a's view is now loaded
    await (await openAccounts(dir)).createOrganization('org_late');
    await a.addUser('user_max', { organizationId: 'org_late', role: 'member' });
    expect((await (await openAccounts(dir)).organization('org_late'))?.id).toBe('org_late');
  });

  it('persists every one of many concurrent createToken calls from two instances', async () => {
    const { dir, accounts: a } = await seeded();
    const b = await openAccounts(dir);
    const created = await Promise.all(
      Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).createToken(i % 3 ? 'user_ada' : 'user_max', `t${i}`)),
    );
    const fresh = await openAccounts(dir);
    expect((await fresh.listTokens()).map((t) => t.id).sort()).toEqual(created.map((t) => t.id).sort());
    for (const { token } of created) expect(await fresh.authenticate(token)).not.toBeNull();
    expect(readdirSync(dir)).toEqual(['accounts.json']);
  });

  it('fails closed while the file is broken, and recovers when it is fixed', async () => {
    const { dir, accounts } = await seeded();
    const { token } = await accounts.createToken('user_ada');
    const good = fileText(dir);
    writeFileSync(accountsFilePath(dir), '{"version": 1, "organizations": [');
    const err = await refusal(accounts.authenticate(token));
    expect(err.code).toBe('Invalid');
    expect(err.message).toContain('not a valid accounts file');
    writeFileSync(accountsFilePath(dir), good);
    expect(await accounts.authenticate(token)).not.toBeNull();
  });
});

describe('demo seeding', () => {
  it('creates org_abc123, user_admin and a random token on first start only', async () => {
    const dir = tempDir();
    const first = await ensureDemoAccounts(await openAccounts(dir));
    expect(first.created).toBe(true);
    const accounts = await openAccounts(dir);
    expect(await accounts.authenticate(first.token!)).toEqual({ userId: 'user_admin', memberships: [{ organizationId: 'org_abc123', role: 'admin' }] });
    expect((await accounts.organization('org_abc123'))?.name).toBe('Demo organization');
    expect(fileText(dir)).not.toContain(first.token!);

    const before = fileText(dir);
    expect(await ensureDemoAccounts(await openAccounts(dir))).toEqual({ token: null, created: false });
    expect(fileText(dir)).toBe(before);

    await writeDemoToken(dir, first.token!);
    expect(statSync(join(dir, 'demo-token')).mode & 0o777).toBe(0o600);
    expect(await readDemoToken(dir)).toBe(first.token);
    expect(await readDemoToken(tempDir())).toBeNull();
  });

  it('stores the hash of a given token, idempotently across restarts', async () => {
    const dir = tempDir();
    const given = 'my-demo-token-for-tests';
    expect(await ensureDemoAccounts(await openAccounts(dir), { token: given })).toEqual({ token: given, created: true });
    expect(await ensureDemoAccounts(await openAccounts(dir), { token: given })).toEqual({ token: given, created: false });
    const accounts = await openAccounts(dir);
    expect(await accounts.listTokens('user_admin')).toHaveLength(1);
    expect(await accounts.authenticate(given)).toMatchObject({ userId: 'user_admin' });
    expect(fileText(dir)).not.toContain(given);
  });

  it('keeps an existing demo token when another is given later', async () => {
    const dir = tempDir();
    const random = await ensureDemoAccounts(await openAccounts(dir));
    await ensureDemoAccounts(await openAccounts(dir), { token: 'another-demo-token-value' });
    const accounts = await openAccounts(dir);
    expect(await accounts.authenticate(random.token!)).not.toBeNull();
    expect(await accounts.authenticate('another-demo-token-value')).not.toBeNull();
  });

  it.each([['short'], [''], ['has spaces in it, 16+']])('refuses the given token %j without echoing it', async (token) => {
    const err = await refusal(ensureDemoAccounts(await openAccounts(tempDir()), { token }));
    expect(err.code).toBe('Invalid');
    expect(err.message).toContain('CLUSTEROPS_DEMO_TOKEN');
    if (token) expect(err.message).not.toContain(token);
  });
});
