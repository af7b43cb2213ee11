import { TransientError } from '../../reconcile/errors.js';

/** One line of `k3s kubectl get nodes --no-headers`. */
export interface K3sNodeRow {
  name: string;
  /** STATUS contains `Ready` (not `NotReady` / `Unknown`). */
  ready: boolean;
  /** STATUS contains `SchedulingDisabled` (cordoned). */
  draining: boolean;
  /** ROLES contains `control-plane`: a k3s server (an etcd member with embedded etcd). */
  server: boolean;
}

/** Kubernetes node name for one of our node ids: `node_003` → `node-003` (RFC 1123). */
export function kubernetesNodeName(nodeId: string): string {
  return nodeId.toLowerCase().replace(/_/g, '-');
}

export function parseK3sNodes(stdout: string): K3sNodeRow[] {
  return lines(stdout).map((line) => {
    const [name, status, roles] = line.split(/\s+/);
    if (!name || !status || !roles) {
      throw new TransientError('UnexpectedOutput', `unexpected line from kubectl get nodes: "${line.slice(0, 120)}"`);
    }
    const conditions = status.split(',');
    return {
      name,
      ready: conditions.includes('Ready'),
      draining: conditions.includes('SchedulingDisabled'),
      server: roles.split(',').includes('control-plane'),
    };
  });
}

/** What kept `kubectl drain` from finishing: the pods it names, and why. */
export interface DrainBlockers {
  /** `namespace/name` (or just `name` when kubectl gave no namespace), in order of appearance. */
  pods: string[];
  /** The first error kubectl printed, on one line (no secrets: drain output carries none). */
  why: string;
}

/**
 * Reads kubectl drain's output: eviction errors (`error when evicting pods/"web-1" -n "default"
 * …: Cannot evict pod as it would violate the pod's disruption budget`), wait timeouts (`pod
 * "web-1" in namespace "default" … global timeout reached`), refusals (`cannot delete Pods
 * declare no controller …: default/bare`), else the pods it started evicting and never finished.
 */
export function parseDrainBlockers(output: string): DrainBlockers {
  const pods: string[] = [];
  const add = (name: string, ns?: string) => {
    const pod = ns ? `${ns}/${name}` : name;
    if (!pods.includes(pod)) pods.push(pod);
  };
  for (const m of output.matchAll(/pods?\/"([^"]+)"(?:\s+-n\s+"([^"]+)")?/g)) add(m[1]!, m[2]);
  for (const m of output.matchAll(/pod "([^"]+)"(?:\s+in namespace\s+"([^"]+)")?/g)) add(m[1]!, m[2]);
  for (const m of output.matchAll(/cannot delete [^:\n]*:\s*([^\n\]]+)/gi)) {
    for (const ref of m[1]!.split(/,\s*/)) if (/^[\w.-]+(\/[\w.-]+)?$/.test(ref.trim())) add(ref.trim());
  }
  if (pods.length === 0) {
    const evicted = new Set([...output.matchAll(/pod\/([\w.-]+) evicted/g)].map((m) => m[1]!));
    for (const m of output.matchAll(/evicting pod ([\w.-]+)\/([\w.-]+)/g)) if (!evicted.has(m[2]!)) add(m[2]!, m[1]);
  }
  const errorLine = lines(output).find((l) => /error|cannot|violate|timeout/i.test(l)) ?? lines(output).at(-1) ?? '';
  const why = errorLine.replace(/\s+/g, ' ');
  return { pods, why: why.length > 200 ? `${why.slice(0, 197)}...` : why };
}

/** `pod default/web-1 (…why…)`, for DrainTimeout / Draining messages. */
export function describeBlockers(b: DrainBlockers): string {
  const why = b.why ? ` (${b.why})` : '';
  if (b.pods.length === 0) return `pods kubectl could not evict${why}`;
  const shown = b.pods.slice(0, 5).join(', ') + (b.pods.length > 5 ? ` and ${b.pods.length - 5} more` : '');
  return `${b.pods.length === 1 ? 'pod' : 'pods'} ${shown}${why}`;
}

function lines(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
