export { createAccounts, openAccounts, type Accounts, type AccountsDeps, type CreatedToken } from './accounts.js';
export { accountsFilePath, createAccountsFile, type AccountsFile } from './accounts-file.js';
export { canCreateIn, canManage, canRead, effectiveAccess, isMember, isOrgAdmin, type ClusterAccessScope, type EffectiveAccess } from './access.js';
export { ensureDemoAccounts, readDemoToken, writeDemoToken, DEMO_ORGANIZATION_ID, DEMO_USER_ID, type DemoSeed } from './demo.js';
export type { AddUserResult, MembershipChange } from './edits.js';
export { hashToken, isWellFormedBearer } from './tokens.js';
export { AccountsError, type AccountsErrorCode, type Membership, type Organization, type OrgRole, type Principal, type TokenInfo, type User } from './types.js';
