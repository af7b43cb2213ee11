import { tokenIdOf } from './tokens.js';
import {
  AccountsError,
  ORGANIZATION_ID,
  USER_ID,
  type AccountsData,
  type Organization,
  type OrgRole,
  type TokenInfo,
  type TokenRecord,
  type User,
} from './types.js';

/**
 * Edits of the accounts data. Each one changes the draft it is given and returns a result;
 * on failure the caller discards the draft (it is a fresh copy of the file).
 */
export type EditResult<T> = { ok: true; value: T } | { ok: false; error: AccountsError };

/** What `addUser` did to the user's membership of the organization. */
export type MembershipChange = 'created' | 'joined' | 'role-changed' | 'unchanged';

/** The user after `addUser`, and what changed. */
export interface AddUserResult {
  user: User;
  change: MembershipChange;
}

const MAX_TEXT = 200;

const fail = (code: AccountsError['code'], message: string): { ok: false; error: AccountsError } => ({
  ok: false,
  error: new AccountsError(code, message),
});

/** Null if `text` may be stored as a name or description, else why not. */
function checkText(what: string, text: string | undefined): string | null {
  if (text === undefined) return null;
  if (text.trim() === '' || text.length > MAX_TEXT || /[\p{Cc}]/u.test(text)) {
    return `${what} must be 1 to ${MAX_TEXT} characters on one line`;
  }
  return null;
}

export function addOrganization(data: AccountsData, org: Organization): EditResult<Organization> {
  if (!ORGANIZATION_ID.test(org.id)) return fail('Invalid', `organization id "${org.id}" must match ${ORGANIZATION_ID.source}`);
  const problem = checkText('organization name', org.name);
  if (problem) return fail('Invalid', problem);
  if (data.organizations.some((o) => o.id === org.id)) return fail('Conflict', `organization ${org.id} already exists`);
  data.organizations.push(org);
  return { ok: true, value: org };
}

/** Adds the user (if new) to the organization with `role`, or changes their role there. */
export function addMembership(
  data: AccountsData,
  userId: string,
  to: { organizationId: string; role: OrgRole; name?: string; now: string },
): EditResult<AddUserResult> {
  if (!USER_ID.test(userId)) return fail('Invalid', `user id "${userId}" must match ${USER_ID.source}`);
  const problem = checkText('user name', to.name);
  if (problem) return fail('Invalid', problem);
  if (!data.organizations.some((o) => o.id === to.organizationId)) {
    return fail('NotFound', `organization ${to.organizationId} does not exist`);
  }
  let user = data.users.find((u) => u.id === userId);
  const isNew = !user;
  if (!user) {
    user = { id: userId, memberships: [], createdAt: to.now };
    data.users.push(user);
  }
  if (to.name !== undefined) user.name = to.name;
  const membership = user.memberships.find((m) => m.organizationId === to.organizationId);
  let change: MembershipChange = isNew ? 'created' : 'joined';
  if (membership) {
    change = membership.role === to.role ? 'unchanged' : 'role-changed';
    membership.role = to.role;
  } else {
    user.memberships.push({ organizationId: to.organizationId, role: to.role });
  }
  return { ok: true, value: { user, change } };
}

/** Stores a token record; the user must exist and the id and hash must be new. */
export function addToken(data: AccountsData, token: TokenRecord): EditResult<TokenInfo> {
  const problem = checkText('token description', token.description);
  if (problem) return fail('Invalid', problem);
  if (!data.users.some((u) => u.id === token.userId)) return fail('NotFound', `user ${token.userId} does not exist`);
  if (data.tokens.some((t) => t.id === token.id)) return fail('Conflict', `token ${token.id} already exists`);
  if (data.tokens.some((t) => t.hash === token.hash)) return fail('Conflict', 'a token with this value already exists');
  const { description, ...rest } = token;
  const stored: TokenRecord = description === undefined ? rest : { ...rest, description };
  data.tokens.push(stored);
  return { ok: true, value: tokenInfo(stored) };
}

/** `tok_` and 1–64 lowercase letters or digits. */
export const TOKEN_ID = /^tok_[a-z0-9]{1,64}$/;

export function removeToken(data: AccountsData, id: string): EditResult<TokenInfo> {
  // Never echo a malformed id: it may be a token's plaintext pasted by mistake.
  if (!TOKEN_ID.test(id)) {
    const named = tokenIdOf(id);
    return fail('Invalid', named ? `that is a token, not its id; its id is ${named}` : 'expected a token id (tok_…)');
  }
  const index = data.tokens.findIndex((t) => t.id === id);
  const token = data.tokens[index];
  if (!token) return fail('NotFound', `token ${id} does not exist`);
  data.tokens.splice(index, 1);
  return { ok: true, value: tokenInfo(token) };
}

/** A token without its hash. */
export function tokenInfo(token: TokenRecord): TokenInfo {
  const { hash: _hash, ...info } = token;
  return info;
}
