import { checkRegion, lookupSize } from '../catalogue/catalogue.js';
import type { FieldPath } from './field-path.js';
import type { ClusterManifest, DiagnosticCode } from './types.js';

/** A cross-field problem in one manifest, before it is given a position. */
export interface RuleProblem {
  path: FieldPath;
  severity: 'error' | 'warning';
  code: DiagnosticCode;
  message: string;
}

/** A manifest file's stem: its base name without `.yaml` (`web`, or `web.org_b` for a per-organization file). */
export function nameFromFile(file: string): string {
  return (file.split('/').pop() ?? file).replace(/\.yaml$/, '');
}

/**
 * The files a cluster may live in (names are per organization, DESIGN §6): `clusters/<name>.yaml`,
 * or `clusters/<name>.<organizationId>.yaml` when another organization holds the plain one. A name
 * never contains a dot, so a suffixed file can never be another cluster's plain file.
 */
export function manifestFiles(name: string, organizationId: string): [plain: string, scoped: string] {
  return [`clusters/${name}.yaml`, `clusters/${name}.${organizationId}.yaml`];
}

/** Total of a role's counts over all its node groups. */
export function countRole(cluster: Pick<ClusterManifest, 'nodes'>, role: 'manager' | 'worker'): number {
  return cluster.nodes.filter((g) => g.role === role).reduce((n, g) => n + g.count, 0);
}

/**
 * Rules the JSON Schema cannot express, on a manifest that already passed the schema:
 * name = file name, control-plane size, catalogue fit, and duplicates within lists.
 */
export function checkClusterRules(cluster: ClusterManifest, file: string): RuleProblem[] {
  return [
    ...checkName(cluster, file),
    ...checkManagers(cluster),
    ...checkCatalogue(cluster),
    ...checkGroups(cluster),
    ...checkAccess(cluster),
  ];
}

function checkName(cluster: ClusterManifest, file: string): RuleProblem[] {
  const stem = nameFromFile(file);
  if (stem === cluster.name || stem === `${cluster.name}.${cluster.organizationId}`) return [];
  const [plain, scoped] = manifestFiles(cluster.name, cluster.organizationId);
  return [{ path: ['name'], severity: 'error', code: 'file-name', message: `name "${cluster.name}" of ${cluster.organizationId} must equal the file name: ${plain} or ${scoped} (rename the file or the cluster)` }];
}

function checkManagers(cluster: ClusterManifest): RuleProblem[] {
  const managers = countRole(cluster, 'manager');
  const firstManager = cluster.nodes.findIndex((g) => g.role === 'manager');
  const path: FieldPath = firstManager >= 0 ? ['nodes', firstManager, 'count'] : ['nodes'];
  if (managers === 0) {
    return [{ path, severity: 'error', code: 'control-plane', message: 'nodes must include at least one manager (role: manager, count ≥ 1)' }];
  }
  if (managers % 2 === 1) return [];
  if (cluster.orchestrator === 'swarm') {
    return [{ path, severity: 'error', code: 'control-plane', message: `swarm needs an odd number of managers (1, 3, 5 or 7), not ${managers}: ${managers} managers tolerate no more failures than ${managers - 1}` }];
  }
  return [{ path, severity: 'warning', code: 'control-plane', message: `kubernetes control plane has an even number of managers (${managers}): etcd with ${managers} members tolerates no more failures than with ${managers - 1}` }];
}

function checkCatalogue(cluster: ClusterManifest): RuleProblem[] {
  const regionProblem = checkRegion(cluster.provider, cluster.region);
  if (regionProblem && !regionProblem.ok) return [{ path: ['region'], severity: 'error', code: 'catalogue', message: regionProblem.message }];
  const out: RuleProblem[] = [];
  cluster.nodes.forEach((g, i) => {
    const size = lookupSize(cluster.provider, cluster.region, g.plan);
    if (!size.ok) out.push({ path: ['nodes', i, 'plan'], severity: 'error', code: 'catalogue', message: `nodes[${i}].plan: ${size.message}` });
  });
  return out;
}

function checkGroups(cluster: ClusterManifest): RuleProblem[] {
  const out: RuleProblem[] = [];
  const groups = new Map<string, number>();
  const removed = new Map<string, number>();
  cluster.nodes.forEach((g, i) => {
    const key = `${g.role}/${g.plan}`;
    const first = groups.get(key);
    if (first !== undefined) {
      out.push({ path: ['nodes', i], severity: 'error', code: 'duplicate', message: `nodes[${i}] repeats the ${g.role} group of plan ${g.plan} already at nodes[${first}]; merge them into one group` });
    } else groups.set(key, i);
    (g.remove ?? []).forEach((id, j) => {
      const other = removed.get(id);
      if (other !== undefined && other !== i) {
        out.push({ path: ['nodes', i, 'remove', j], severity: 'error', code: 'duplicate', message: `nodes[${i}].remove lists ${id}, already listed under nodes[${other}].remove` });
      } else removed.set(id, i);
    });
  });
  return out;
}

function checkAccess(cluster: ClusterManifest): RuleProblem[] {
  const out: RuleProblem[] = [];
  const users = new Map<string, number>();
  (cluster.access ?? []).forEach((a, i) => {
    const first = users.get(a.userId);
    if (first !== undefined) {
      out.push({ path: ['access', i, 'userId'], severity: 'error', code: 'duplicate', message: `access[${i}] grants ${a.userId} again (already at access[${first}]); keep one grant per user` });
    } else users.set(a.userId, i);
  });
  return out;
}
