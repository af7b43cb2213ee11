/**
 * EC2 authorises keys by `KeyName` (a key pair registered in the Region), not key text, so a raw
 * OpenSSH key reaches the VM through cloud-init. Returns the user data to send, base64-encoded as
 * EC2 requires (the JS SDK does not encode it), or a string saying why it cannot be built.
 */
export function encodeUserData(userData: string | undefined, sshPublicKey: string | undefined): { userData?: string } | string {
  const composed = composeUserData(userData, sshPublicKey);
  if (typeof composed === 'string') return composed;
  if (composed.text === undefined) return {};
  return { userData: Buffer.from(composed.text, 'utf8').toString('base64') };
}

function composeUserData(userData: string | undefined, sshPublicKey: string | undefined): { text?: string } | string {
  if (sshPublicKey === undefined) return userData === undefined ? {} : { text: userData };
  const key = sshPublicKey.trim();
  if (/[\r\n"]/.test(key)) return 'sshPublicKey must be a single OpenSSH public key line';
  const block = `ssh_authorized_keys:\n  - "${key}"\n`;
  if (userData === undefined) return { text: `#cloud-config\n${block}` };
  if (!userData.startsWith('#cloud-config')) return 'sshPublicKey needs cloud-config user data (#cloud-config) to carry it';
  if (/^ssh_authorized_keys\s*:/m.test(userData)) return 'userData already lists ssh_authorized_keys; put the key there';
  return { text: `${userData.endsWith('\n') ? userData : `${userData}\n`}${block}` };
}
