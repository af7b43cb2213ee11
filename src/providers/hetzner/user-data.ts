/**
 * Hetzner's `ssh_keys` takes ids or names of keys registered in the project, not key text; the
 * raw OpenSSH key also reaches the VM through cloud-init. Returns the user data to send, or a
 * string saying why the two cannot be combined.
 */
export function composeUserData(userData: string | undefined, sshPublicKey: string | undefined): { userData?: string } | string {
  if (sshPublicKey === undefined) return userData === undefined ? {} : { userData };
  const key = sshPublicKey.trim();
  if (/[\r\n"]/.test(key)) return 'sshPublicKey must be a single OpenSSH public key line';
  const block = `ssh_authorized_keys:\n  - "${key}"\n`;
  if (userData === undefined) return { userData: `#cloud-config\n${block}` };
  if (!userData.startsWith('#cloud-config')) return 'sshPublicKey needs cloud-config user data (#cloud-config) to carry it';
  if (/^ssh_authorized_keys\s*:/m.test(userData)) return 'userData already lists ssh_authorized_keys; put the key there';
  return { userData: `${userData.endsWith('\n') ? userData : `${userData}\n`}${block}` };
}
