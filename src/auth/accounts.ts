import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { accountsFilePath, createAccountsFile, type AccountsFile, type AccountsSnapshot } from './accounts-file.js';
import { addMembership, addOrganization, addToken, removeToken, tokenInfo, type AddUserResult, type EditResult } from './edits.js';
import { generateToken, hashToken, isWellFormedBearer, type RandomBytes } from './tokens.js';
import {
  AccountsError,
  type AccountsData,
  type Organization,
  type OrgRole,
  type Principal,
  type TokenInfo,
  type TokenRecord,
  type User,
} from './types.js';

/** A token just created: its id and the plaintext, which is returned this once only. */
export interface CreatedToken {
  id: string;
  token: string;
}

/**
 * Organizations, users and tokens in `<data-dir>/accounts.json`.
 *
 * Reads (`authenticate`, `user`, `organization`, `listTokens`) stat the file once per call and
 * re-read it only when it changed, so the daemon sees what the CLI wrote without restarting.
 * Writes are serialised within the process and locked against other processes; each re-reads
 * the file first, so another process's changes are never overwritten. Expected failures throw
 * AccountsError (NotFound / Conflict / Invalid); a file that is not an accounts file throws
 * AccountsError('Invalid') from every call until it is fixed (fail closed: nobody authenticates).
 * Returned objects are copies. No message ever contains a token's plaintext or hash.
 */
export interface Accounts {
  readonly path: string;
  /** Creates an organization; `name` defaults to the id. Conflict if it exists. */
  createOrganization(id: string, name?: string): Promise<Organization>;
  /** Adds the user (created if new) to an organization or changes their role there. NotFound: no such organization. */
  addUser(userId: string, membership: { organizationId: string; role: OrgRole; name?: string }): Promise<AddUserResult>;
  /** Creates a token for an existing user; the plaintext is in the result and nowhere else. */
  createToken(userId: string, description?: string): Promise<CreatedToken>;
  /**
   * Makes sure a token with exactly this plaintext (chosen elsewhere, e.g. CLUSTEROPS_DEMO_TOKEN)
   * belongs to the user; `created` is false if it already did. Invalid: not a well-formed bearer
   * value; Conflict: it belongs to another user.
   */
  ensureToken(userId: string, token: string, description?: string): Promise<{ id: string; created: boolean }>;
  /** Deletes a token by id; it stops authenticating at once. NotFound if there is none. */
  revokeToken(id: string): Promise<TokenInfo>;
  /** Tokens (never their hashes), of one user if given (NotFound if the user is unknown). */
  listTokens(userId?: string): Promise<TokenInfo[]>;
  /** The principal a bearer value (the part after `Bearer `) stands for, or null (malformed, unknown or revoked). */
  authenticate(bearer: string): Promise<Principal | null>;
  user(id: string): Promise<User | null>;
  organization(id: string): Promise<Organization | null>;
}

/** Injected side effects: the clock and the random source (crypto.randomBytes by default). */
export interface AccountsDeps {
  now?: () => Date;
  randomBytes?: RandomBytes;
}

/** Parsed file plus the index `authenticate` looks tokens up in. */
interface View extends AccountsSnapshot {
  byHash: Map<string, TokenRecord>;
}

/** Accounts over `<dataDir>/accounts.json`, read once now so a broken file fails at start. */
export async function openAccounts(dataDir: string, deps: AccountsDeps = {}): Promise<Accounts> {
  const accounts = createAccounts(createAccountsFile(accountsFilePath(dataDir)), deps);
  await accounts.listTokens();
  return accounts;
}

/** Accounts over any AccountsFile. Nothing is read until the first call. */
export function createAccounts(file: AccountsFile, deps: AccountsDeps = {}): Accounts {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const random = deps.randomBytes ?? nodeRandomBytes;
  const state = createState(file);
  return {
    path: file.path,
    createOrganization: (id, name) => state.update((d) => addOrganization(d, { id, name: name ?? id, createdAt: now() })),
    addUser: (userId, m) => state.update((d) => addMembership(d, userId, { ...m, now: now() })),
    createToken: async (userId, description) => {
      const { id, token } = generateToken(random);
      await state.update((d) => addToken(d, { id, userId, hash: hashToken(token), createdAt: now(), description }));
      return { id, token };
    },
    ensureToken: (userId, token, description) =>
      state.update((d) => ensureTokenEdit(d, { userId, token, description, id: generateToken(random).id, createdAt: now() })),
    revokeToken: (id) => state.update((d) => removeToken(d, id)),
    listTokens: async (userId) => {
      const { data } = await state.current();
      if (userId !== undefined && !data.users.some((u) => u.id === userId)) {
        throw new AccountsError('NotFound', `user ${userId} does not exist`);
      }
      return data.tokens.filter((t) => userId === undefined || t.userId === userId).map(tokenInfo);
    },
    authenticate: async (bearer) => {
      if (typeof bearer !== 'string' || !isWellFormedBearer(bearer)) return null;
      const view = await state.current();
      const token = view.byHash.get(hashToken(bearer));
      const user = token && view.data.users.find((u) => u.id === token.userId);
      return user ? { userId: user.id, memberships: user.memberships.map((m) => ({ ...m })) } : null;
    },
    user: async (id) => copy((await state.current()).data.users.find((u) => u.id === id) ?? null),
    organization: async (id) => copy((await state.current()).data.organizations.find((o) => o.id === id) ?? null),
  };
}

/** The cached view of the file and the serialised write path. */
function createState(file: AccountsFile) {
  let view: View | null = null;
  let writes: Promise<unknown> = Promise.resolve();
  const remember = (snapshot: AccountsSnapshot): View => {
    view = { ...snapshot, byHash: new Map(snapshot.data.tokens.map((t) => [t.hash, t])) };
    return view;
  };
  return {
    /** One stat; a re-read only if the file changed since the view was taken. */
    current: async (): Promise<View> => {
      const signature = await file.signature();
      if (view && view.signature === signature) return view;
      return remember(await file.read());
    },
    update: <T>(edit: (draft: AccountsData) => EditResult<T>): Promise<T> => {
      const run = writes.then(() =>
        file.lock(async () => {
          const { data } = await file.read();
          const result = edit(data);
          if (!result.ok) throw result.error;
          remember({ data, signature: await file.write(data) });
          return copy(result.value);
        }),
      );
      writes = run.catch(() => undefined);
      return run;
    },
  };
}

function ensureTokenEdit(
  data: AccountsData,
  t: { userId: string; token: string; description?: string; id: string; createdAt: string },
): EditResult<{ id: string; created: boolean }> {
  if (!isWellFormedBearer(t.token)) {
    return { ok: false, error: new AccountsError('Invalid', 'a token must be 16 to 512 printable characters without spaces') };
  }
  const hash = hashToken(t.token);
  const existing = data.tokens.find((r) => r.hash === hash);
  if (existing && existing.userId !== t.userId) {
    return { ok: false, error: new AccountsError('Conflict', `this token already belongs to ${existing.userId}`) };
  }
  if (existing) return { ok: true, value: { id: existing.id, created: false } };
  const added = addToken(data, { id: t.id, userId: t.userId, hash, createdAt: t.createdAt, description: t.description });
  return added.ok ? { ok: true, value: { id: t.id, created: true } } : added;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
