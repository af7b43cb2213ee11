import type { Orchestrator } from '../domain/manifest/types.js';

/**
 * The cloud-init user data a new VM boots with on a real provider image (Ubuntu/Debian):
 * what the orchestrator needs before clusterops connects over SSH. Swarm needs Docker Engine;
 * k3s is installed by the join command itself (get.k3s.io), so it only needs curl. The
 * provider adapters add clusterops' SSH public key to this cloud-config.
 */
export function nodeUserData(orchestrator: Orchestrator): string {
  const packages = orchestrator === 'swarm' ? ['docker.io', 'curl'] : ['curl'];
  const lines = ['#cloud-config', 'package_update: true', 'packages:', ...packages.map((p) => `  - ${p}`)];
  if (orchestrator === 'swarm') lines.push('runcmd:', '  - [systemctl, enable, --now, docker]');
  return `${lines.join('\n')}\n`;
}
