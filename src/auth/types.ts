/**
 * Organizations, users and API tokens (DESIGN.md §6). These are the shapes of
 * `<data-dir>/accounts.json`; only token hashes are ever stored.
 */

/** A user's role in one organization: admins may do everything in it. */
export type OrgRole = 'admin' | 'member';

export const ORG_ROLES: readonly OrgRole[] = ['admin', 'member'];

/** `^org_[a-z0-9]{1,32}$`, as in the manifests' `organizationId`. */
export const ORGANIZATION_ID = /^org_[a-z0-9]{1,32}$/;

/** `^user_[a-z0-9_]{1,32}$`, as in the manifests' `access[].userId`. */
export const USER_ID = /^user_[a-z0-9_]{1,32}$/;

export interface Organization {
  id: string;
  name: string;
  createdAt: string;
}

export interface Membership {
  organizationId: string;
  role: OrgRole;
}

/** A user; `memberships` holds at most one entry per organization. */
export interface User {
  id: string;
  name?: string;
  memberships: Membership[];
  createdAt: string;
}

/** A stored token: `hash` is the sha256 hex of the plaintext, which is never stored. */
export interface TokenRecord {
  id: string;
  userId: string;
  hash: string;
  createdAt: string;
  description?: string;
}

/** What may be shown of a token: everything but its hash. */
export type TokenInfo = Omit<TokenRecord, 'hash'>;

/** The accounts file's content (format version 1). */
export interface AccountsData {
  version: 1;
  organizations: Organization[];
  users: User[];
  tokens: TokenRecord[];
}

/** Who a request acts as: the token's user and their memberships at authentication time. */
export interface Principal {
  readonly userId: string;
  readonly memberships: readonly Readonly<Membership>[];
}

/** Why an accounts operation was refused; the API maps these to 404 / 409 / 422. */
export type AccountsErrorCode = 'NotFound' | 'Conflict' | 'Invalid';

/**
 * An expected failure of an accounts operation. `message` is written for the user (the CLI
 * prints it, the API may return it); it never contains a token's plaintext or hash.
 */
export class AccountsError extends Error {
  override readonly name = 'AccountsError';
  constructor(
    readonly code: AccountsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An empty accounts file. */
export function emptyAccountsData(): AccountsData {
  return { version: 1, organizations: [], users: [], tokens: [] };
}
