import { describe, expect, it } from 'vitest';
import { composeUserData } from '../../../../src/providers/hetzner/user-data.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29v ops@example';

describe('composeUserData', () => {
  it.each<[string | undefined, string | undefined, { userData?: string } | string]>([
    [undefined, undefined, {}],
    ['#!/bin/sh\necho hi\n', undefined, { userData: '#!/bin/sh\necho hi\n' }],
    [undefined, KEY, { userData: `#cloud-config\nssh_authorized_keys:\n  - "${KEY}"\n` }],
    ['#cloud-config\npackages: [curl]', KEY, { userData: `#cloud-config\npackages: [curl]\nssh_authorized_keys:\n  - "${KEY}"\n` }],
    ['#!/bin/sh\necho hi\n', KEY, 'sshPublicKey needs cloud-config user data (#cloud-config) to carry it'],
    ['#cloud-config\nssh_authorized_keys: []\n', KEY, 'userData already lists ssh_authorized_keys; put the key there'],
    [undefined, `${KEY}\nssh-rsa AAAA`, 'sshPublicKey must be a single OpenSSH public key line'],
  ])('user data %j with key %j → %j', (userData, key, expected) => {
    expect(composeUserData(userData, key)).toEqual(expected);
  });
});
