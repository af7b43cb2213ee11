import ssh2, { type Connection, type PublicKeyAuthContext, type AuthContext } from 'ssh2';
import type { CommandResult } from '../../orchestrators/ssh/types.js';
import type { Ed25519Key } from '../../orchestrators/ssh/openssh-key.js';

/** What one simulated sshd serves. */
export interface SimSshServerOptions {
  ip: string;
  port: number;
  hostKey: Ed25519Key;
  /** authorized_keys lines, read at every authentication. */
  authorizedKeys: () => string[];
  /** Runs one command (throws when the host is down: the session ends with 255). */
  exec: (command: string) => CommandResult;
}

/**
 * One simulated host's sshd: public-key authentication only, against `authorizedKeys` (any user
 * name), `exec` requests only (no shell, pty, sftp or forwarding). `stop` also cuts open
 * connections, as a powered-off machine would.
 */
export class SimSshServer {
  private server: ssh2.Server | undefined;
  private readonly clients = new Set<Connection>();

  constructor(private readonly o: SimSshServerOptions) {}

  async start(): Promise<void> {
    if (this.server) return;
    const server = new ssh2.Server({ hostKeys: [this.o.hostKey.privatePem] }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.ip, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const client of this.clients) client.end();
    this.clients.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Connection): void {
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => this.authenticate(ctx));
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          let result: CommandResult;
          try {
            result = this.o.exec(info.command);
          } catch (err) {
            result = { code: 255, stdout: '', stderr: `${err instanceof Error ? err.message : String(err)}\n` };
          }
          if (result.stdout) channel.write(result.stdout);
          if (result.stderr) channel.stderr.write(result.stderr);
          channel.exit(result.code);
          channel.end();
        });
        // Requests nobody listens for (pty, shell, sftp, forwarding …) are refused by ssh2 itself.
      });
    });
  }

  private authenticate(ctx: AuthContext): void {
    if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
    const offered = (ctx as PublicKeyAuthContext).key;
    const match = this.o
      .authorizedKeys()
      .map((line) => ssh2.utils.parseKey(line))
      .find((key): key is ssh2.ParsedKey => !(key instanceof Error) && key.type === offered.algo && key.getPublicSSH().equals(offered.data));
    if (!match) return ctx.reject(['publickey']);
    const { signature, blob, hashAlgo } = ctx as PublicKeyAuthContext;
    // Without a signature the client only asks whether this key would do.
    if (!signature || !blob) return ctx.accept();
    return match.verify(blob, signature, hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
  }
}
