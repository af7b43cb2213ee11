/**
 * What the dashboard's read-only endpoints (`/ui/api/…`) answer. Shared by the server
 * (src/dashboard/) and the browser bundle (web/), so this file holds types only and imports
 * nothing that needs Node.
 */

export type ClusterStatus = 'provisioning' | 'running' | 'degraded' | 'updating' | 'deleting' | 'error';
export type NodeStatus = 'provisioning' | 'running' | 'draining' | 'deleting' | 'unhealthy' | 'error';

/** `GET /ui/api/session`: who the token belongs to and what the dashboard can show. */
export interface SessionView {
  userId: string;
  organizations: { id: string; role: 'admin' | 'member' }[];
  /** Whether pull-request plans are known (the GitHub integration is on). */
  github: boolean;
}

/** A monthly list price, already formatted (`$66.00`). */
export interface MoneyView {
  amount: number;
  currency: 'USD' | 'EUR';
  text: string;
}

/** One row of the clusters overview. */
export interface ClusterRowView {
  id: string;
  name: string;
  organizationId: string;
  provider: string;
  region: string;
  orchestrator: string;
  status: ClusterStatus;
  /** Why the cluster is in that status: the Ready condition's reason and message, or the manifest error. */
  reason: { code: string; message: string };
  nodes: { ready: number; desired: number; observed: number };
  /** What the manifest's nodes cost per month at list price (the remaining nodes while deleting). */
  monthlyCost: MoneyView;
  /** The Git revision the last pass worked from, and its commit time when known. */
  revision: { sha: string; committedAt: string | null } | null;
  /** When the last pass ended (ISO), null before the first one. */
  lastPassAt: string | null;
}

/** `GET /ui/api/clusters`. */
export interface OverviewView {
  /** The revision of the tracked branch the daemon has taken in. */
  revision: string;
  clusters: ClusterRowView[];
}

export interface NodeRowView {
  id: string;
  role: 'manager' | 'worker';
  plan: string;
  ip: string | null;
  status: NodeStatus;
  orchestratorStatus: 'ready' | 'not-ready' | 'draining' | 'not-joined';
}

export interface ConditionView {
  type: string;
  status: boolean;
  reason: string;
  message: string;
  observedRevision: string;
}

export interface EventView {
  at: string;
  type: 'created' | 'joined' | 'drained' | 'deleted' | 'initialized' | 'error' | 'info';
  nodeId?: string;
  message: string;
}

/** The manifest as it stands in Git at the revision the daemon has taken in. */
export interface ManifestView {
  path: string;
  revision: string;
  /** The file's text; null when the manifest left the branch (the cluster is being deleted). */
  text: string | null;
  /** A web link to the file at that revision, when the repository is on a web host. */
  link: string | null;
  /** The validation errors when the manifest is invalid. */
  invalid: string | null;
}

/** `GET /ui/api/clusters/<id>`. */
export interface ClusterDetailView extends ClusterRowView {
  nodeList: NodeRowView[];
  conditions: ConditionView[];
  /** Oldest first, as `cluster.one` returns them. */
  events: EventView[];
  manifest: ManifestView;
  access: { userId: string; permission: 'read' | 'manage' }[];
  createdAt: string | null;
}

export interface PlanActionView {
  action: 'create' | 'init' | 'bootstrap' | 'replace' | 'delete' | 'delete cluster';
  nodeId: string | null;
  role: string | null;
  plan: string | null;
  reason: string;
}

export interface ClusterPlanView {
  clusterId: string;
  clusterName: string;
  actions: PlanActionView[];
  errors: string[];
  warnings: string[];
  managersBefore: number;
  managersAfter: number;
  cost: { before: MoneyView; after: MoneyView; delta: string };
}

export interface PullRequestView {
  number: number;
  headSha: string;
  /** Link to the pull request on GitHub. */
  link: string | null;
  validate: { state: string; description: string };
  plan: { state: string; description: string };
  clusters: ClusterPlanView[];
  checkedAt: string;
}

/** `GET /ui/api/pulls`: the open pull requests' plans, or why there are none to show. */
export type PullsView = { enabled: false } | { enabled: true; pulls: PullRequestView[] };

/** Every error of `/ui/api`, as the Clusters API shapes them. */
export interface ErrorView {
  error: { code: string; message: string; httpStatus: number };
}
