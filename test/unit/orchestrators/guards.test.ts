import { describe, expect, it } from 'vitest';
import { StalledError, WaitingError } from '../../../src/reconcile/errors.js';
import { createDrainBudget, drainRefusal, lastManagerRefusal, quorumRefusal } from '../../../src/orchestrators/swarm/guards.js';

const seats = (spec: string) => [...spec].map((c, i) => ({ memberId: `m${i + 1}`, reachable: c === 'u' }));

describe('quorumRefusal', () => {
  it.each([
    // managers (u = reachable, d = down), the one leaving, expected refusal reason
    ['uuu', 'm1', undefined],
    ['uu', 'm1', undefined],
    ['uuuuu', 'm5', undefined],
    ['uuud', 'm4', undefined],
    ['uud', 'm3', undefined],
    ['uud', 'm1', 'QuorumLoss'],
    ['uuddd', 'm5', 'QuorumLost'],
    ['ud', 'm2', 'QuorumLost'],
    ['uuuud', 'm1', undefined],
    ['uuudd', 'm1', 'QuorumLoss'],
  ])('%s without %s → %s', (spec, leaving, reason) => {
    const refusal = quorumRefusal(seats(spec), leaving, (id) => id.replace('m', 'node_00'));
    expect(refusal?.reason).toBe(reason);
    if (refusal) expect(refusal).toBeInstanceOf(StalledError);
  });

  it('names the down managers to recover first', () => {
    const refusal = quorumRefusal(seats('uud'), 'm2', (id) => id.replace('m', 'node_00'));
    expect(refusal?.message).toContain('node_002');
    expect(refusal?.message).toContain('recover or remove node_003 first');
  });
});

describe('lastManagerRefusal', () => {
  it('lets the last manager go only once nothing else is joined', () => {
    expect(lastManagerRefusal('node_001', [])).toBeUndefined();
    expect(lastManagerRefusal('node_001', ['node_004'])?.reason).toBe('QuorumLoss');
  });
});

describe('drain budget', () => {
  it('measures from the first attempt, waits inside the budget, then stalls once and starts over', () => {
    let t = 1_000;
    const budget = createDrainBudget(10_000, () => t);
    expect(budget.elapsed('c/n')).toBe(0);
    t += 4_000;
    const waiting = drainRefusal(budget, 'c/n', budget.elapsed('c/n'), 10_000, 500, { nodeId: 'node_003', blockers: 'web.2' });
    expect(waiting).toBeInstanceOf(WaitingError);
    expect((waiting as WaitingError).requeueAfterMs).toBe(500);
    t += 6_000;
    const stalled = drainRefusal(budget, 'c/n', budget.elapsed('c/n'), 10_000, 500, { nodeId: 'node_003', blockers: 'web.2' });
    expect(stalled).toBeInstanceOf(StalledError);
    expect(stalled.message).toBe('node_003 still runs web.2 after 10s of draining');
    expect(budget.elapsed('c/n')).toBe(0);
  });

  it('forgets a drain nobody asked about for twice its budget', () => {
    let t = 0;
    const budget = createDrainBudget(1_000, () => t);
    budget.elapsed('k');
    t = 1_900;
    expect(budget.elapsed('k')).toBe(1_900);
    t = 4_000;
    expect(budget.elapsed('k')).toBe(0);
  });
});
