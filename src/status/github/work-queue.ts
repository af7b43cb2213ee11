/**
 * Serial work keyed by what it is about (a pull request, the result check): at most one job
 * runs at a time, and a key added while it waits is not added twice; added while it runs, it
 * runs once more afterwards. So N events for one pull request during a check cost one more
 * check, not N, and a burst of events cannot pile up work.
 */
export interface KeyedQueue {
  add(key: string, job: () => Promise<void>): void;
  /** Resolves once nothing is queued or running (tests, shutdown). */
  idle(): Promise<void>;
}

export function createKeyedQueue(onError: (key: string, err: unknown) => void): KeyedQueue {
  const waiting = new Map<string, () => Promise<void>>();
  let draining: Promise<void> | null = null;

  const drain = async () => {
    for (let next = first(waiting); next; next = first(waiting)) {
      const [key, job] = next;
      waiting.delete(key);
      await job().catch((err: unknown) => onError(key, err));
    }
  };

  return {
    add(key, job) {
      if (!waiting.has(key)) waiting.set(key, job);
      draining ??= drain().finally(() => {
        draining = null;
      });
    },
    async idle() {
      while (draining) await draining;
    },
  };
}

function first<K, V>(map: Map<K, V>): [K, V] | undefined {
  return map.entries().next().value;
}
