import type { Store } from '../store/store.js';
import type { ClusterRecord } from '../store/types.js';
import type { DesiredState } from './desired.js';

/** The holds and confirmations of the mass-deletion guard, as the store keeps them. */
export interface DeletionHolds {
  /** Cluster id → the revision its deletion was held at. */
  holds: Map<string, string>;
  /** Cluster id → the held revision an org admin confirmed. */
  confirmed: Map<string, string>;
}

export function deletionHolds(store: Store): DeletionHolds {
  const holds = new Map<string, string>();
  const confirmed = new Map<string, string>();
  for (const r of store.clusters()) {
    if (r.deletionHold) holds.set(r.id, r.deletionHold.revision);
    if (r.deletionConfirmation) confirmed.set(r.id, r.deletionConfirmation.revision);
  }
  return { holds, confirmed };
}

/** A fingerprint of the confirmations: when it moves, the desired state is built again. */
export function confirmationsKey(confirmed: ReadonlyMap<string, string>): string {
  return JSON.stringify([...confirmed].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Keeps the store's holds equal to the state's: a new hold is recorded with its revision; a
 * cluster whose manifest is back loses its hold and its confirmation (a later deletion is a new
 * hold that needs a new confirmation); a confirmation of another revision than the hold's is
 * dropped. Writes only when something changed (an idle poll writes nothing).
 */
export async function recordHolds(store: Store, state: DesiredState, now: Date): Promise<void> {
  const stale = store.clusters().filter((r) => needsUpdate(r, state.holds.get(r.id)));
  if (stale.length === 0) return;
  const at = now.toISOString();
  // Worked out before the update: update functions run twice (on a copy, then on the live data).
  const released = stale.filter((r) => r.deletionHold && !state.holds.has(r.id)).map((r) => r.id);
  await store.update((d) => {
    for (const { id } of stale) {
      const r = d.clusters[id];
      if (!r) continue;
      const revision = state.holds.get(id);
      if (revision === undefined) {
        delete r.deletionHold;
        delete r.deletionConfirmation;
        continue;
      }
      if (r.deletionHold?.revision !== revision) r.deletionHold = { revision, since: at };
      if (r.deletionConfirmation && r.deletionConfirmation.revision !== revision) delete r.deletionConfirmation;
    }
  });
  for (const id of released) await store.addEvent(id, { type: 'info', message: 'deletion hold lifted: the manifest is back (a later deletion needs a new confirmation)' }, at);
}

function needsUpdate(r: ClusterRecord, revision: string | undefined): boolean {
  if (revision === undefined) return r.deletionHold !== undefined || r.deletionConfirmation !== undefined;
  return r.deletionHold?.revision !== revision || (r.deletionConfirmation !== undefined && r.deletionConfirmation.revision !== revision);
}
