import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../durable-file.js';
import type { Accounts } from './accounts.js';
import { isWellFormedBearer } from './tokens.js';
import { AccountsError } from './types.js';

export const DEMO_ORGANIZATION_ID = 'org_abc123';
export const DEMO_ORGANIZATION_NAME = 'Demo organization';
export const DEMO_USER_ID = 'user_admin';
/** The file, in the data directory, that holds a generated demo token (mode 0600). */
export const DEMO_TOKEN_FILE = 'demo-token';

/**
 * What demo seeding did. `token` is the demo token's plaintext when it is known: the given one,
 * or one generated just now (`created`). It is null when none was given and the demo admin
 * already had a token: only its hash is stored, so the caller reads `<data-dir>/demo-token`.
 */
export interface DemoSeed {
  token: string | null;
  created: boolean;
}

/**
 * Ensures the demo organization org_abc123, its admin user_admin, and a token for them.
 * With `token` (CLUSTEROPS_DEMO_TOKEN): a token with exactly that plaintext exists afterwards
 * (AccountsError('Invalid') unless it is 16–512 printable ASCII characters without spaces).
 * Without: a random token is created only when user_admin has none (first seeding).
 * Idempotent: a second call changes nothing.
 */
export async function ensureDemoAccounts(accounts: Accounts, options: { token?: string } = {}): Promise<DemoSeed> {
  if (options.token !== undefined && !isWellFormedBearer(options.token)) {
    throw new AccountsError('Invalid', 'CLUSTEROPS_DEMO_TOKEN must be 16 to 512 printable ASCII characters without spaces');
  }
  if (!(await accounts.organization(DEMO_ORGANIZATION_ID))) {
    await accounts.createOrganization(DEMO_ORGANIZATION_ID, DEMO_ORGANIZATION_NAME).catch(ignoreConflict);
  }
  const admin = await accounts.user(DEMO_USER_ID);
  if (!admin?.memberships.some((m) => m.organizationId === DEMO_ORGANIZATION_ID && m.role === 'admin')) {
    await accounts.addUser(DEMO_USER_ID, { organizationId: DEMO_ORGANIZATION_ID, role: 'admin' });
  }
  if (options.token !== undefined) {
    const { created } = await accounts.ensureToken(DEMO_USER_ID, options.token, 'demo token (CLUSTEROPS_DEMO_TOKEN)');
    return { token: options.token, created };
  }
  if ((await accounts.listTokens(DEMO_USER_ID)).length > 0) return { token: null, created: false };
  const { token } = await accounts.createToken(DEMO_USER_ID, 'demo token');
  return { token, created: true };
}

/** Writes `<dataDir>/demo-token` (the plaintext and a newline) atomically with mode 0600. */
export async function writeDemoToken(dataDir: string, token: string): Promise<void> {
  await writeFileDurably(join(dataDir, DEMO_TOKEN_FILE), `${token}\n`);
}

/** The token in `<dataDir>/demo-token`, or null if there is no such file. */
export async function readDemoToken(dataDir: string): Promise<string | null> {
  try {
    return (await readFile(join(dataDir, DEMO_TOKEN_FILE), 'utf8')).trim() || null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Another process created the organization between the check and the write: fine. */
function ignoreConflict(err: unknown): void {
  if (!(err instanceof AccountsError && err.code === 'Conflict')) throw err;
}
