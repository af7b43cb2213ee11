import type { ClusterApiDeps } from '../api/clusters/deps.js';
import type { Principal } from '../auth/types.js';
import type { PullRequestPlanView } from '../status/github/pr-handler.js';
import type { ManifestSource } from './manifests.js';

/** What the dashboard reads; built in main.ts from the same parts as the Clusters API. */
export interface DashboardDeps extends ManifestSource {
  /** The Clusters API's dependencies: the dashboard reads through the same access rules. */
  api: ClusterApiDeps;
  authenticate: (bearer: string) => Promise<Principal | null>;
  /** The repository URL, for links to manifests (only web hosts get links; credentials are dropped). */
  repoUrl?: string;
  /** Open pull requests' plans; absent when the GitHub integration is off. */
  pullRequests?: () => PullRequestPlanView[];
  /** A pull request's web address on GitHub. */
  pullRequestLink?: (number: number) => string;
  /** Where the built bundle is; default `<package>/dist/web`. */
  webRoot?: string;
}
