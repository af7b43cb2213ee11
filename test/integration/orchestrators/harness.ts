import type { Orchestrator, Role } from '../../../src/domain/manifest/types.js';
import { formatNodeId } from '../../../src/domain/plan/index.js';
import type { ActualNode } from '../../../src/domain/plan/types.js';
import type { OrchestratorAdapter, OrchestratorCluster } from '../../../src/orchestrators/types.js';

export const node = (n: number, role: Role, ip: string): ActualNode => ({
  id: formatNodeId(n),
  role,
  plan: 'small',
  status: 'running',
  providerId: `vm-${n}`,
  ip,
  createdAt: `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`,
});

/**
 * The reconciler's bookkeeping for one cluster, as `src/reconcile` keeps it: the VMs, and the
 * member id each node got when it joined. `cluster()` hands the adapter what the reconciler
 * would: running managers that have joined, and the recorded member ids.
 */
export class Book {
  readonly members: Record<string, string> = {};

  constructor(
    readonly orchestrator: Orchestrator,
    readonly nodes: ActualNode[],
  ) {}

  get(id: string): ActualNode {
    const found = this.nodes.find((n) => n.id === id);
    if (!found) throw new Error(`no ${id}`);
    return found;
  }

  cluster(): OrchestratorCluster {
    const managers = this.nodes.filter((n) => n.role === 'manager' && n.status === 'running' && this.members[n.id] !== undefined);
    return { clusterId: 'cl_test', orchestrator: this.orchestrator, managers, members: { ...this.members } };
  }

  /** Init on the first manager, then every other node joins in order, as the reconciler does. */
  async form(adapter: OrchestratorAdapter): Promise<void> {
    const [first, ...rest] = this.nodes;
    this.members[first!.id] = await adapter.init(this.cluster(), first!);
    for (const n of rest) this.members[n.id] = await adapter.join(this.cluster(), n);
  }

  /** The VM is deleted after a successful remove. */
  drop(id: string): void {
    this.nodes.splice(this.nodes.indexOf(this.get(id)), 1);
    delete this.members[id];
  }
}

/** What a rejected promise rejected with (fails the test if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { reason?: string; requeueAfterMs?: number }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { reason?: string };
  }
  throw new Error('expected a rejection');
}
