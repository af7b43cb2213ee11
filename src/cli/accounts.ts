import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { accountsFilePath, createAccountsFile } from '../auth/accounts-file.js';
import { createAccounts, type Accounts } from '../auth/accounts.js';
import type { MembershipChange } from '../auth/edits.js';
import { AccountsError, ORG_ROLES, type OrgRole, type TokenInfo } from '../auth/types.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';

export const ACCOUNTS_USAGE = `clusterops org create <org_id> [--name N]
clusterops user add <user_id> --org <org_id> --role admin|member [--name N]
clusterops token create --user <user_id> [--description D]
clusterops token revoke <token_id>
clusterops token list [--user <user_id>]

Each takes --data-dir D (CLUSTEROPS_DATA_DIR, default ./.clusterops); the accounts live in
D/accounts.json, which a running daemon re-reads when it changes.`;

type Env = Record<string, string | undefined>;
type Handler = (accounts: Accounts, call: Call, io: CliIo) => Promise<number>;

/** One parsed invocation: the positional argument (if the subcommand takes one) and the options. */
interface Call {
  id: string;
  values: Record<string, string | undefined>;
}

/** How a subcommand is invoked: its positional argument's name, its options, the required ones. */
interface Spec {
  positional?: string;
  options: string[];
  required?: string[];
  run: Handler;
}

const GROUPS: Record<string, Record<string, Spec>> = {
  org: {
    create: { positional: 'org_id', options: ['name'], run: createOrg },
  },
  user: {
    add: { positional: 'user_id', options: ['org', 'role', 'name'], required: ['org', 'role'], run: addUser },
  },
  token: {
    create: { options: ['user', 'description'], required: ['user'], run: createToken },
    revoke: { positional: 'token_id', options: [], run: revokeToken },
    list: { options: ['user'], run: listTokens },
  },
};

/** `clusterops org|user|token <subcommand> …`: 0 done, 1 refused (one line on stderr), 2 usage. */
export async function runAccounts(group: string, args: string[], io: CliIo, env: Env = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    io.out(ACCOUNTS_USAGE);
    return 0;
  }
  const specs = GROUPS[group] ?? {};
  const spec = sub === undefined ? undefined : specs[sub];
  if (!spec) {
    const missing = sub === undefined || sub.startsWith('-');
    const expected = Object.keys(specs).join(', ');
    throw new UsageError(`${missing ? 'missing subcommand' : `unknown subcommand "${sub}"`} (expected ${expected}; clusterops ${group} --help shows how)`);
  }
  const { call, dataDir } = parseCall(spec, rest, env);
  const accounts = createAccounts(createAccountsFile(accountsFilePath(dataDir)));
  try {
    return await spec.run(accounts, call, io);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Refusals and file-system problems (permissions, a file where the directory should be)
    // are the user's to fix: one line, no stack.
    if (err instanceof AccountsError || (typeof code === 'string' && /^E[A-Z]+$/.test(code))) {
      io.err(`clusterops ${group} ${sub}: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}

function parseCall(spec: Spec, args: string[], env: Env): { call: Call; dataDir: string } {
  const options = Object.fromEntries([...spec.options, 'data-dir'].map((o) => [o, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const wanted = spec.positional ? 1 : 0;
  if (positionals.length !== wanted) {
    throw new UsageError(spec.positional ? `expected one <${spec.positional}>, got ${positionals.length}` : `unexpected argument "${positionals[0]}"`);
  }
  for (const option of spec.required ?? []) {
    if (!values[option]) throw new UsageError(`--${option} is required`);
  }
  const dataDir = resolve(values['data-dir'] || env.CLUSTEROPS_DATA_DIR || '.clusterops');
  return { call: { id: positionals[0] ?? '', values: values as Record<string, string | undefined> }, dataDir };
}

async function createOrg(accounts: Accounts, { id, values }: Call, io: CliIo): Promise<number> {
  const org = await accounts.createOrganization(id, values.name);
  io.out(`created organization ${org.id} ("${org.name}")`);
  return 0;
}

const CHANGES: Record<MembershipChange, (user: string, org: string, role: OrgRole) => string> = {
  created: (user, org, role) => `created user ${user} as ${role} of ${org}`,
  joined: (user, org, role) => `added ${user} to ${org} as ${role}`,
  'role-changed': (user, org, role) => `${user} is now ${role} of ${org}`,
  unchanged: (user, org, role) => `${user} already is ${role} of ${org}`,
};

async function addUser(accounts: Accounts, { id, values }: Call, io: CliIo): Promise<number> {
  const role = values.role as OrgRole;
  if (!ORG_ROLES.includes(role)) throw new UsageError(`--role must be admin or member, not "${values.role}"`);
  const organizationId = values.org!;
  const { change } = await accounts.addUser(id, { organizationId, role, name: values.name });
  io.out(CHANGES[change](id, organizationId, role));
  return 0;
}

async function createToken(accounts: Accounts, { values }: Call, io: CliIo): Promise<number> {
  const userId = values.user!;
  const { id, token } = await accounts.createToken(userId, values.description);
  io.out(token);
  io.err(`created ${id} for ${userId}; it is shown only this once. Revoke it with: clusterops token revoke ${id}`);
  return 0;
}

async function revokeToken(accounts: Accounts, { id }: Call, io: CliIo): Promise<number> {
  const token = await accounts.revokeToken(id);
  io.out(`revoked ${token.id} (${token.userId})`);
  return 0;
}

async function listTokens(accounts: Accounts, { values }: Call, io: CliIo): Promise<number> {
  const tokens = await accounts.listTokens(values.user);
  if (tokens.length === 0) {
    io.err(values.user ? `${values.user} has no tokens` : 'no tokens');
    return 0;
  }
  io.out(renderTokenTable(tokens));
  return 0;
}

/** Aligned columns: ID, USER, CREATED, DESCRIPTION. */
export function renderTokenTable(tokens: TokenInfo[]): string {
  const rows = [['ID', 'USER', 'CREATED', 'DESCRIPTION'], ...tokens.map((t) => [t.id, t.userId, t.createdAt, t.description ?? ''])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd()).join('\n');
}
