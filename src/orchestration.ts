import { randomInt } from 'node:crypto';
import type { ServeConfig } from './config.js';
import type { Orchestrator } from './domain/manifest/types.js';
import type { Logger } from './logger.js';
import { nodeUserData } from './orchestrators/cloud-init.js';
import { createK3sAdapter } from './orchestrators/kubernetes/index.js';
import { ensureKeyPair } from './orchestrators/ssh/keys.js';
import { createKnownHosts } from './orchestrators/ssh/known-hosts.js';
import { createSshRunner } from './orchestrators/ssh/runner.js';
import { createSwarmAdapter } from './orchestrators/swarm/index.js';
import { vmOnlyOrchestrator, type OrchestratorAdapter } from './orchestrators/types.js';
import type { ReconcilerDeps } from './reconcile/types.js';
import { createSimHostFleet, loopbackIps, type SimHostFleet } from './sim/hosts/index.js';
import type { IpPool } from './sim/common/ip-pool.js';

/** How nodes become cluster members: the orchestrator adapters, what new VMs get, and cleanup. */
export interface Orchestration {
  orchestrators: Record<Orchestrator, OrchestratorAdapter>;
  vmSetup?: ReconcilerDeps['vmSetup'];
  /** A VM is deleted: forget its SSH host-key pins (absent without SSH). */
  forgetHostKey?: ReconcilerDeps['forgetHostKey'];
  close(): Promise<void>;
}

/** Simulated machines behind the demo's simulated VMs, reachable over SSH on loopback. */
export interface DemoHosts {
  fleet: SimHostFleet;
  ips: IpPool;
  port: number;
}

export const DEMO_SSH_PORT = 2222;

/**
 * The demo's hosts: a random loopback /20 so two demos on one machine never share an address.
 * The simulated cloud saves the pool with its state, so a restarted demo continues in the /20 it
 * chose at its first start (its VMs keep their addresses).
 */
export async function createDemoHosts(dataDir: string, log: Logger): Promise<DemoHosts> {
  const { publicKey } = await ensureKeyPair(dataDir);
  const fleet = createSimHostFleet({ port: DEMO_SSH_PORT, authorizedKeys: () => [publicKey], log });
  const ips = loopbackIps(`127.${100 + randomInt(100)}.${randomInt(16) * 16}.0/20`);
  return { fleet, ips, port: DEMO_SSH_PORT };
}

/**
 * Builds the orchestrator adapters. `vm-only` treats every running VM as a ready member (no
 * SSH); `ssh` drives Swarm and k3s over SSH with clusterops' own key pair (generated once in the
 * data directory) and host keys pinned on first use.
 */
export async function createOrchestration(config: ServeConfig, log: Logger, sshPort = 22): Promise<Orchestration> {
  if (config.orchestration === 'vm-only') {
    return { orchestrators: { swarm: vmOnlyOrchestrator, kubernetes: vmOnlyOrchestrator }, close: async () => undefined };
  }
  const keys = await ensureKeyPair(config.dataDir);
  const knownHosts = createKnownHosts(config.dataDir);
  const ssh = createSshRunner({
    privateKey: keys.privateKey,
    knownHosts,
    connectTimeoutMs: 10_000,
    retries: { attempts: 3, delayMs: 1_000 },
    log,
  });
  const drainMs = config.drainTimeoutMs;
  return {
    orchestrators: {
      swarm: createSwarmAdapter({ ssh, port: sshPort, drain: { timeoutMs: drainMs, pollMs: config.requeueMs }, logger: log }),
      kubernetes: createK3sAdapter({ ssh, port: sshPort, drain: { timeoutS: Math.ceil(drainMs / 1000), pollMs: config.requeueMs }, logger: log }),
    },
    vmSetup: { sshPublicKey: keys.publicKey, userData: nodeUserData },
    forgetHostKey: (vmId, ip) => knownHosts.forgetVm(vmId, ip),
    close: () => ssh.close(),
  };
}
