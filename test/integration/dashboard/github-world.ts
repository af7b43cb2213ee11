import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startGitHubEmulator, type GitHubEmulator } from '../../../src/sim/github/index.js';
import { converged, group, manifest, startApiWorld, type ApiWorld } from '../api/api-harness.js';

export const REPO = 'acme/clusters';
const GH_TOKEN = 'gh-token-dashboard-0123456789';
/** The webhook secret the world's clusterops checks deliveries with (required with the GitHub integration on). */
export const WEBHOOK_SECRET = 'webhook-secret-dashboard-0123';

/** org_abc123's cluster: one manager, `workers` small workers, on DigitalOcean. */
export const alpha = (workers: number): string => manifest('alpha', { id: 'cluster_alpha', groups: [group('manager', 'small', 1), group('worker', 'small', workers)].join('\n') });
/** org_other's cluster: `managers` Hetzner managers. */
export const bravo = (managers: number): string => manifest('bravo', { id: 'cluster_bravo', provider: 'hetzner', region: 'nbg1', groups: group('manager', 'small', managers) }).replace('organizationId: org_abc123', 'organizationId: org_other');

/** The API test world with the GitHub integration on, against the GitHub emulator over the same repository. */
export interface GitHubWorld {
  w: ApiWorld;
  gh: GitHubEmulator;
  /** Pushes a branch with `files` changed from main, as a person opening a pull request would. */
  branch(name: string, files: Record<string, string>): void;
  close(): Promise<void>;
}

export async function startGitHubWorld(): Promise<GitHubWorld> {
  // The emulator needs the world's repository and the world needs the emulator's address: pick the port first.
  const port = await freePort();
  const w = await startApiWorld({
    files: { 'clusters/alpha.yaml': alpha(1), 'clusters/bravo.yaml': bravo(1) },
    config: { statusCommits: false, webhookSecret: WEBHOOK_SECRET, github: { token: GH_TOKEN, repo: REPO, apiUrl: `http://127.0.0.1:${port}`, pollIntervalMs: 0 } },
  });
  const gh = await startGitHubEmulator({ token: GH_TOKEN, port, repos: { [REPO]: { bareRepoPath: w.repo.remote } } });
  await Promise.all([converged(w.co, 'cluster_alpha', 2), converged(w.co, 'cluster_bravo', 1)]);
  const { repo } = w;
  return {
    w,
    gh,
    branch: (name, files) => {
      repo.git(repo.work, 'fetch', '-q', 'origin');
      repo.git(repo.work, 'checkout', '-q', '-B', name, 'origin/main');
      for (const [path, content] of Object.entries(files)) writeFileSync(join(repo.work, path), content);
      repo.git(repo.work, 'commit', '-qam', `change on ${name}`);
      repo.git(repo.work, 'push', '-q', '-f', 'origin', `${name}:${name}`);
      repo.git(repo.work, 'checkout', '-q', 'main');
    },
    close: async () => {
      await w.close();
      await gh.close();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}
