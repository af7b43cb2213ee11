import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accountsFilePath } from '../../../src/auth/accounts-file.js';
import { openAccounts } from '../../../src/auth/accounts.js';
import { runBin } from '../../support/cli.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterops-accounts-cli-'));
  dirs.push(dir);
  return dir;
};

/** Runs `clusterops …` against a data directory. */
const cli = (dir: string, ...args: string[]) => runBin([...args, '--data-dir', dir]);

/** One line on stderr, no stack trace. */
function expectOneLine(stderr: string, message: string | RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(stderr).not.toMatch(/\n\s+at |internal error/);
}

describe('clusterops org / user / token', () => {
  it('creates an org, a user and a token that authenticates; lists and revokes it', async () => {
    const dir = tempDir();
    expect(cli(dir, 'org', 'create', 'org_acme', '--name', 'Acme Inc')).toMatchObject({ code: 0, stdout: 'created organization org_acme ("Acme Inc")\n' });
    expect(cli(dir, 'user', 'add', 'user_bo', '--org', 'org_acme', '--role', 'member', '--name', 'Bo')).toMatchObject({
      code: 0,
      stdout: 'created user user_bo as member of org_acme\n',
    });
    expect(cli(dir, 'user', 'add', 'user_bo', '--org', 'org_acme', '--role', 'admin').stdout).toBe('user_bo is now admin of org_acme\n');

    const created = cli(dir, 'token', 'create', '--user', 'user_bo', '--description', 'ci runner');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(created.stdout).toBe(`${token}\n`);
    expect(token).toMatch(/^cot_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    const id = `tok_${token.split('_')[1]}`;
    expect(created.stderr).toContain(`clusterops token revoke ${id}`);
    expect(created.stderr).not.toContain(token);
    expect(readFileSync(accountsFilePath(dir), 'utf8')).not.toContain(token);
    const accounts = await openAccounts(dir);
    expect(await accounts.authenticate(token)).toEqual({ userId: 'user_bo', memberships: [{ organizationId: 'org_acme', role: 'admin' }] });

    const list = cli(dir, 'token', 'list', '--user', 'user_bo');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^ID +USER +CREATED +DESCRIPTION\\n${id}  user_bo  \\S+  ci runner\\n$`));
    expect(list.stdout + list.stderr).not.toContain(token);

    expect(cli(dir, 'token', 'revoke', id)).toMatchObject({ code: 0, stdout: `revoked ${id} (user_bo)\n` });
    expect(await accounts.authenticate(token)).toBeNull();
    expect(cli(dir, 'token', 'list')).toMatchObject({ code: 0, stdout: '', stderr: 'no tokens\n' });
  });

  it('uses CLUSTEROPS_DATA_DIR or ./.clusterops when --data-dir is absent', () => {
    const cwd = tempDir();
    const r = runBin(['org', 'create', 'org_here'], cwd);
    expect(r.code).toBe(0);
    const where = process.env.CLUSTEROPS_DATA_DIR ?? join(cwd, '.clusterops');
    expect(existsSync(accountsFilePath(where))).toBe(true);
  });

  it.each([
    ['an existing org', [['org', 'create', 'org_a']], ['org', 'create', 'org_a'], 1, /^clusterops org create: organization org_a already exists$/],
    ['a malformed org id', [], ['org', 'create', 'Acme'], 1, /^clusterops org create: organization id "Acme" must match/],
    ['an unknown org', [], ['user', 'add', 'user_x', '--org', 'org_none', '--role', 'member'], 1, /organization org_none does not exist$/],
    ['a token for an unknown user', [], ['token', 'create', '--user', 'user_ghost'], 1, /^clusterops token create: user user_ghost does not exist$/],
    ['revoking an unknown token', [], ['token', 'revoke', 'tok_nope'], 1, /token tok_nope does not exist$/],
    ['a bad role', [['org', 'create', 'org_a']], ['user', 'add', 'user_x', '--org', 'org_a', '--role', 'owner'], 2, /--role must be admin or member/],
    ['a missing --org', [], ['user', 'add', 'user_x', '--role', 'admin'], 2, /--org is required/],
    ['a missing id', [], ['org', 'create'], 2, /expected one <org_id>/],
    ['an unknown option', [], ['token', 'list', '--verbose'], 2, /^clusterops token: .*--verbose/],
    ['an unknown subcommand', [], ['token', 'rotate'], 2, /unknown subcommand "rotate" \(expected create, revoke, list/],
    ['a missing subcommand', [], ['user'], 2, /missing subcommand \(expected add/],
  ])('refuses %s in one line', (_name, setup, args, code, message) => {
    const dir = tempDir();
    for (const step of setup) expect(cli(dir, ...step).code).toBe(0);
    const r = cli(dir, ...args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expectOneLine(r.stderr, message);
  });

  it.each([['org', '--help'], ['user', '-h'], ['token', 'create', '--help']])('prints the accounts usage for %s %s', (...args) => {
    const r = cli(tempDir(), ...args);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('clusterops user add <user_id> --org <org_id> --role admin|member');
    expect(r.stderr).toBe('');
  });

  it('refuses a token pasted where its id belongs without echoing it', () => {
    const dir = tempDir();
    cli(dir, 'org', 'create', 'org_a');
    cli(dir, 'user', 'add', 'user_a', '--org', 'org_a', '--role', 'admin');
    const token = cli(dir, 'token', 'create', '--user', 'user_a').stdout.trim();
    const r = cli(dir, 'token', 'revoke', token);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, `clusterops token revoke: that is a token, not its id; its id is tok_${token.split('_')[1]}`);
    expect(r.stderr).not.toContain(token);
  });

  it('reports a broken accounts file in one line', () => {
    const dir = tempDir();
    writeFileSync(accountsFilePath(dir), '{"version": 7}');
    const r = cli(dir, 'token', 'list');
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /is not a valid accounts file: version must be 1/);
  });

  it('reports an unusable data directory in one line', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    const r = cli(file, 'org', 'create', 'org_a');
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /^clusterops org create: .*(ENOTDIR|EEXIST)/);
  });

  it('lists the commands in help', () => {
    const r = runBin(['help']);
    for (const line of ['org create <org_id>', 'user add <user_id>', 'token create', 'token revoke', 'token list']) {
      expect(r.stdout).toContain(line);
    }
  });
});
