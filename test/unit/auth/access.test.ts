import { describe, expect, it } from 'vitest';
import { canCreateIn, canManage, canRead, effectiveAccess, isMember, isOrgAdmin, type ClusterAccessScope } from '../../../src/auth/access.js';
import type { Principal } from '../../../src/auth/types.js';

const admin: Principal = { userId: 'user_ada', memberships: [{ organizationId: 'org_a', role: 'admin' }] };
const member: Principal = { userId: 'user_max', memberships: [{ organizationId: 'org_a', role: 'member' }] };
const outsider: Principal = { userId: 'user_eve', memberships: [{ organizationId: 'org_b', role: 'admin' }] };
const nobody: Principal = { userId: 'user_nil', memberships: [] };
// A member of org_a and an admin of org_b: roles never leak across organizations.
const both: Principal = {
  userId: 'user_two',
  memberships: [
    { organizationId: 'org_a', role: 'member' },
    { organizationId: 'org_b', role: 'admin' },
  ],
};

const cluster = (access?: ClusterAccessScope['access']): ClusterAccessScope => ({ organizationId: 'org_a', access });

describe('access per DESIGN §6', () => {
  it.each([
    ['org admin, no grants', admin, cluster(), 'admin', true, true],
    ['org admin, read grant does not lower it', admin, cluster([{ userId: 'user_ada', permission: 'read' }]), 'admin', true, true],
    ['member without a grant', member, cluster(), null, false, false],
    ['member, grant for someone else', member, cluster([{ userId: 'user_ada', permission: 'manage' }]), null, false, false],
    ['member with read', member, cluster([{ userId: 'user_max', permission: 'read' }]), 'read', true, false],
    ['member with manage (implies read)', member, cluster([{ userId: 'user_max', permission: 'manage' }]), 'manage', true, true],
    [
      'member with read and manage listed',
      member,
      cluster([
        { userId: 'user_max', permission: 'read' },
        { userId: 'user_max', permission: 'manage' },
      ]),
      'manage',
      true,
      true,
    ],
    ['admin of another org', outsider, cluster(), null, false, false],
    ['outsider named in the grants', outsider, cluster([{ userId: 'user_eve', permission: 'manage' }]), null, false, false],
    ['no memberships at all', nobody, cluster([{ userId: 'user_nil', permission: 'manage' }]), null, false, false],
    ['member here, admin elsewhere', both, cluster(), null, false, false],
    ['member here with read, admin elsewhere', both, cluster([{ userId: 'user_two', permission: 'read' }]), 'read', true, false],
  ] as const)('%s', (_name, principal, scope, effective, read, manage) => {
    expect(effectiveAccess(principal, scope)).toBe(effective);
    expect(canRead(principal, scope)).toBe(read);
    expect(canManage(principal, scope)).toBe(manage);
  });

  it.each([
    ['admin in own org', admin, 'org_a', true, true, true],
    ['member in own org', member, 'org_a', true, false, true],
    ['admin of org_b in org_a', outsider, 'org_a', false, false, false],
    ['nobody', nobody, 'org_a', false, false, false],
    ['member here, admin elsewhere, in org_b', both, 'org_b', true, true, true],
  ] as const)('%s: member / admin / may create', (_name, principal, org, memberOf, adminOf, create) => {
    expect(isMember(principal, org)).toBe(memberOf);
    expect(isOrgAdmin(principal, org)).toBe(adminOf);
    expect(canCreateIn(principal, org)).toBe(create);
  });
});
