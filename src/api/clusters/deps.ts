import type { Principal } from '../../auth/types.js';
import type { DesiredState } from '../../reconcile/desired.js';
import type { CommitChange, CommitResult } from '../../sources/git-source.js';
import type { Store } from '../../store/store.js';

/** What the cluster procedures need; built in main.ts. */
export interface ClusterApiDeps {
  /** The desired state of the latest snapshot. */
  desired: () => DesiredState;
  store: Store;
  /** Writes go to Git (and only there): the source's commit, retried on a lost race. */
  commit?: (change: CommitChange) => Promise<CommitResult>;
  /** Called after a pushed write; resolves once the daemon has taken in the new revision. */
  afterWrite: () => Promise<void>;
  /** Whether a user exists and belongs to an organization (for grants). */
  isMemberOf: (userId: string, organizationId: string) => Promise<boolean>;
  /** Whether an organization exists in the accounts (the target of `cluster.transfer`). */
  organizationExists: (organizationId: string) => Promise<boolean>;
  /** Has the daemon look at the current snapshot again (after a store-only change such as a transfer approval). */
  reevaluate: () => Promise<void>;
  now: () => Date;
  newClusterId: () => string;
}

/** One call of a procedure. */
export interface Call {
  principal: Principal;
  input: Record<string, unknown>;
  deps: ClusterApiDeps;
}

/** What a procedure returns: the data for the envelope, or no body (204). */
export type Outcome = { status: 200 | 201; data: unknown } | { status: 204 };
