/**
 * The ids of recent webhook deliveries (`X-GitHub-Delivery`), so a replayed delivery is
 * recognised and does nothing. Bounded: the oldest ids are forgotten first, so memory stays
 * constant whatever a sender does; a replay older than `capacity` deliveries is acted on again,
 * which every handler tolerates (they are all ensures).
 */
export interface DeliveryLog {
  /** True the first time an id is seen; false for a repeat (which is then remembered as recent). */
  firstTime(id: string): boolean;
}

export function createDeliveryLog(capacity = 1_000): DeliveryLog {
  // A Map iterates in insertion order: the first key is the least recently seen.
  const seen = new Map<string, true>();
  return {
    firstTime(id) {
      const known = seen.delete(id);
      seen.set(id, true);
      if (seen.size > capacity) seen.delete(seen.keys().next().value as string);
      return !known;
    },
  };
}
