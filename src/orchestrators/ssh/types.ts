/** Where to reach a node over SSH. */
export interface SshTarget {
  /** The node's address (the VM's public IP). */
  host: string;
  port: number;
  username: string;
  /**
   * The provider's id of the VM expected at `host` (as its listing says). Host keys are pinned
   * per VM: a new VM at a reused address is a new machine, the same VM with another key is refused.
   */
  vmId?: string;
}

/** The result of one remote command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs commands on nodes (DESIGN §7). Injected into the orchestrator adapters so tests can
 * count and fault it. Failure contract: a command that ran and failed resolves with its exit
 * code (never throws); not reaching the host (refused, timeout, auth) throws `TransientError`
 * ('SshUnreachable') while a VM may still be booting, and a changed host key throws
 * `StalledError('HostKeyChanged')` — never a silent accept. A host that runs no command until
 * its (expired) password is changed throws `StalledError('PasswordExpired')`. Secrets passed in `command`
 * (join tokens) are never logged; `redact` lists them for log lines.
 */
export interface SshRunner {
  run(target: SshTarget, command: string, options?: { timeoutMs?: number; redact?: string[] }): Promise<CommandResult>;
  close(): Promise<void>;
}
