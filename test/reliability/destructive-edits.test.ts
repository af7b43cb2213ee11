import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HARM_KINDS, harmCounts, harmDetails, KindTally, measure, noHarm, restoreFleet, startFleetWorld, takeEdit, type Harm } from './edit-world.js';
import { freshBook, gitEdit, kindOf } from './git-edit-arbitraries.js';
import { EDIT_SIZES, report } from './sizes.js';

/**
 * Destructive edits (issue 14): a converged fleet (six clusters on three providers, both
 * orchestrators, two organisations) takes random sequences of everyday human Git edits —
 * remove an `id:` line, rename, move into a layout the validator rejects, change an immutable
 * field, break the syntax, push a symlink, delete several manifests (with and without the
 * confirmation marker), restore — each pushed and taken in by the daemon. At the end a person
 * puts every manifest back as it was, the fleet converges, and the world is compared with the
 * start: no VM the final manifests declare may be gone, no cluster may have changed
 * organisation (no admin act is made here), no cluster may exist twice.
 */

const SEED = Number(process.env.CLUSTEROPS_EDITS_SEED ?? 20261202);
const { sequences: SEQUENCES, editsPerSequence: EDITS } = EDIT_SIZES;

describe(`destructive edits (seed ${SEED}): ${SEQUENCES} sequences of ${EDITS} human Git edits against a converged fleet`, () => {
  it('no declared VM deleted, no organisation changed, no cluster duplicated', async () => {
    const started = Date.now();
    const runs = fc.sample(fc.array(gitEdit, { minLength: EDITS, maxLength: EDITS }), { numRuns: SEQUENCES, seed: SEED });
    const harm = noHarm();
    const byKind = new KindTally();
    const notConverged: string[] = [];
    let commits = 0;
    for (const [run, edits] of runs.entries()) {
      const perRun = noHarm();
      const { w, baseline } = await startFleetWorld();
      try {
        const book = freshBook();
        for (const edit of edits) {
          const taken = await takeEdit(w, baseline, perRun, book, edit, `run ${run}: `);
          commits += taken.commits;
          byKind.add(kindOf(edit), taken.found > 0);
        }
        // The final state is well defined: every manifest back as it was, converged, compared.
        notConverged.push(...(await restoreFleet(w, book)).map((name) => `run ${run}: ${name}`));
        await measure(w, baseline, perRun, `run ${run}: after restoring every manifest`);
      } finally {
        await w.close();
      }
      merge(harm, perRun, run);
    }
    report('destructive edits', {
      seed: SEED,
      sequences: SEQUENCES,
      edits: SEQUENCES * EDITS,
      commits,
      'edits by kind (harmful/made)': byKind.toJSON(),
      ...harmCounts(harm),
      'clusters not converged after the restore': notConverged.length,
      seconds: Math.round((Date.now() - started) / 1000),
      details: [...harmDetails(harm), ...notConverged],
    });
    expect({ deleted: harm.deleted.size, orgChanged: harm.orgChanged.size, duplicates: harm.duplicates.size, invisible: harm.invisible.size }).toEqual({ deleted: 0, orgChanged: 0, duplicates: 0, invisible: 0 });
    expect(notConverged).toEqual([]);
  });
});

/** Each run has its own world (VM ids may repeat across worlds): keys get the run number. */
function merge(into: Harm, from: Harm, run: number): void {
  for (const k of HARM_KINDS) for (const [key, v] of from[k]) into[k].set(`${run}:${key}`, v);
}
