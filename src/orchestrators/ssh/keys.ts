import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { encodeEd25519 } from './openssh-key.js';

/**
 * The reconciler's SSH identity. `privateKey` is not enumerable, so logging or serialising the
 * pair (JSON, util.inspect, a logger's fields) never prints it; read it by name only.
 */
export interface KeyPair {
  /** OpenSSH PEM (the openssh-key-v1 format), unencrypted. */
  readonly privateKey: string;
  /** One authorized_keys line: `ssh-ed25519 AAAA… clusterops`. */
  readonly publicKey: string;
}

const COMMENT = 'clusterops';

/**
 * Returns the key pair in `<dataDir>/ssh/id_ed25519` (+ `.pub`), generating an ed25519 pair on
 * first use (with node's crypto: see `encodeEd25519` for why not ssh2's generator). Idempotent
 * and safe against a concurrent first run (the private key is linked into place atomically, so
 * the loser reads the winner's key). An unreadable existing key is an error, never silently
 * replaced: VMs already trust it.
 */
export async function ensureKeyPair(dataDir: string): Promise<KeyPair> {
  const dir = join(dataDir, 'ssh');
  const privatePath = join(dir, 'id_ed25519');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let privateKey = await readIfExists(privatePath);
  if (privateKey === undefined) privateKey = await createPrivateKey(privatePath);
  await chmod(privatePath, 0o600);
  const publicKey = publicLineOf(privateKey, privatePath);
  if ((await readIfExists(`${privatePath}.pub`))?.trim() !== publicKey) {
    await writeFile(`${privatePath}.pub`, `${publicKey}\n`, { mode: 0o644 });
  }
  return keyPair(privateKey, publicKey);
}

async function createPrivateKey(privatePath: string): Promise<string> {
  const { privatePem } = encodeEd25519(randomBytes(32), COMMENT);
  const tmp = `${privatePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, privatePem, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, privatePath);
    return privatePem;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFile(privatePath, 'utf8');
  } finally {
    await rm(tmp, { force: true });
  }
}

function publicLineOf(privateKey: string, path: string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  // The parser's message never quotes the key; still, name only the file.
  if (parsed instanceof Error || !parsed.isPrivateKey()) throw new Error(`${path} is not a readable OpenSSH private key; move it away to generate a new one`);
  return `${parsed.type} ${parsed.getPublicSSH().toString('base64')} ${COMMENT}`;
}

function keyPair(privateKey: string, publicKey: string): KeyPair {
  const pair = { publicKey } as KeyPair;
  Object.defineProperty(pair, 'privateKey', { value: privateKey, enumerable: false });
  return Object.freeze(pair);
}

/** A file's text, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
