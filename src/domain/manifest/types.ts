/**
 * The cluster manifest, format v1 (DESIGN.md §2): one `clusters/<name>.yaml` per cluster.
 * These shapes are what a manifest holds once it has passed the JSON Schema and the
 * cross-field rules; nothing downstream ever sees an unvalidated manifest.
 */

export type Provider = 'digitalocean' | 'hetzner' | 'aws';
export type Orchestrator = 'kubernetes' | 'swarm';
export type Role = 'manager' | 'worker';
export type PlanName = 'nano' | 'micro' | 'small' | 'medium' | 'power';
export type Permission = 'read' | 'manage';

export const PROVIDERS: readonly Provider[] = ['digitalocean', 'hetzner', 'aws'];
export const ORCHESTRATORS: readonly Orchestrator[] = ['kubernetes', 'swarm'];
export const ROLES: readonly Role[] = ['manager', 'worker'];
export const PLAN_NAMES: readonly PlanName[] = ['nano', 'micro', 'small', 'medium', 'power'];

/** A node group: `count` VMs of one role and plan. (role, plan) is unique within a cluster. */
export interface NodeGroup {
  role: Role;
  plan: PlanName;
  count: number;
  /** Node ids that go first when this group shrinks (DESIGN §5 `removeNode`). */
  remove?: string[];
}

/** A per-cluster grant (DESIGN §6). */
export interface AccessGrant {
  userId: string;
  permission: Permission;
}

/** A validated cluster manifest. */
export interface ClusterManifest {
  apiVersion?: 'clusterops/v1';
  /** Absent until the daemon assigns and commits one. */
  id?: string;
  organizationId: string;
  name: string;
  provider: Provider;
  region: string;
  orchestrator: Orchestrator;
  nodes: NodeGroup[];
  access?: AccessGrant[];
}

/** Where in a file a diagnostic points; line and column are 1-based. */
export interface Position {
  line: number;
  column: number;
}

/**
 * One problem found in the repository, always tied to a file and a position so that
 * `file:line:col: message` can be printed. `path` is the field path in the manifest
 * (`nodes[1].count`), empty for whole-file problems.
 */
/**
 * What kind of problem a diagnostic reports. Decisions (the API's 400 or 422, what a PR comment
 * groups) use the code, never the message text.
 * - `yaml`: not YAML, or not one document; `schema`: against schemas/cluster.schema.json;
 * - `file-name`: the name does not match the file; `catalogue`: a region or plan the provider does not offer;
 * - `control-plane`: a manager count that cannot work (a valid shape, an impossible cluster);
 * - `duplicate`: the same group, removal or grant twice in one manifest;
 * - `conflict`: an id or name another file also uses; `layout`: a file or folder clusters/ cannot hold;
 * - `truncated`: "… and N more problems in this file".
 */
export type DiagnosticCode = 'yaml' | 'schema' | 'file-name' | 'catalogue' | 'control-plane' | 'duplicate' | 'conflict' | 'layout' | 'truncated';

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  path: string;
  severity: 'error' | 'warning';
  code: DiagnosticCode;
  message: string;
}

