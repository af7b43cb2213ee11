/**
 * Sizes of the reliability suites: full by default, `CLUSTEROPS_RELIABILITY=short` for the short
 * version `.ci/run` runs (all the suites in a few minutes on two cores).
 */
export const SHORT = process.env.CLUSTEROPS_RELIABILITY === 'short';

export const SIZES = SHORT
  ? { crashRuns: 6, faultNodes: 60, writes: 60, fuzzCases: 2_000 }
  : { crashRuns: 100, faultNodes: 200, writes: 200, fuzzCases: 10_000 };

/** Prints a suite's counts as one block, so a CI log shows them at a glance. */
export function report(suite: string, counts: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(counts).map((k) => k.length));
  const lines = Object.entries(counts).map(([k, v]) => `  ${k.padEnd(width)}  ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  console.log(`\n== reliability: ${suite} (${SHORT ? 'short' : 'full'})\n${lines.join('\n')}\n`);
}

/** Sizes of the Git-edit instruments (issue 14): the destructive-edits suite and the bad-input suite's Git block. */
export const EDIT_SIZES = SHORT ? { sequences: 3, editsPerSequence: 8, fuzzedGitEdits: 10 } : { sequences: 12, editsPerSequence: 20, fuzzedGitEdits: 60 };
