import { describe, expect, it } from 'vitest';
import { planCluster } from '../../../../src/domain/plan/plan-cluster.js';
import { renderPlanMarkdown, renderPlanText, summarizePlan } from '../../../../src/domain/plan/render.js';
import type { Plan } from '../../../../src/domain/plan/types.js';
import { input, manifest, node } from './builders.js';

/** A plan with every kind of node action: create, replace, delete (drained and not), and a warning. */
const representative = planCluster(
  input(
    manifest('kubernetes', [
      { role: 'manager', plan: 'medium', count: 3 },
      { role: 'worker', plan: 'small', count: 1, remove: ['node_004', 'node_009'] },
    ]),
    [
      node(1, 'manager', 'medium'),
      node(2, 'manager', 'small'),
      node(3, 'worker', 'small'),
      node(4, 'worker', 'small'),
      node(5, 'worker', 'small'),
      node(6, 'worker', 'small', 'deleting'),
    ],
  ),
);

const refused = planCluster(
  input(manifest('swarm', [{ role: 'manager', plan: 'small', count: 1 }]), [
    node(1, 'manager', 'small'),
    node(2, 'manager', 'small'),
    node(3, 'manager', 'small'),
  ]),
);

const converged = planCluster(input(manifest('swarm', [{ role: 'manager', plan: 'small', count: 1 }]), [node(1, 'manager', 'small')]));

const deleted = planCluster({
  ...input(null, [node(1, 'manager', 'small'), node(2, 'worker', 'small')]),
  provider: 'hetzner',
  region: 'nbg1',
});

describe('renderPlanText', () => {
  it('renders one line per action and a summary', () => {
    expect(renderPlanText(representative)).toMatchInlineSnapshot(`
      "Cluster web (cluster_web):
        + create node_007 (manager, medium): manager group medium grows from 1 to 3
        ~ replace node_002 with node_008 (manager, small → medium): plan of manager changes from small to medium
        - delete node_006 (worker, small, no drain): removal already under way (deleting); it continues
        - delete node_004 (worker, small, drain first): worker group small shrinks from 3 to 1; node_004 is listed under remove:
        - delete node_005 (worker, small, drain first): newest worker of group small (3 → 1)
        Warning: worker group small lists node_009 under remove:, but there is no such node
      Managers: 2 → 3 (quorum 2 → 2); monthly cost $120.00 → $162.00 (+$42.00) — list prices of the droplet (its disk, public IPv4 and transfer allowance included); some figures unverified.
      Plan: 1 to create, 1 to replace, 3 to delete."
    `);
  });

  it.each<{ name: string; plan: Plan; last: string }>([
    { name: 'refused', plan: refused, last: 'Plan refused: nothing will change until the manifest is fixed.' },
    { name: 'converged', plan: converged, last: 'No changes. Cluster web matches its manifest.' },
    { name: 'deleted', plan: deleted, last: 'Plan: 0 to create, 0 to replace, 2 to delete; cluster web will be deleted.' },
  ])('ends a $name plan with its summary', ({ plan, last }) => {
    expect(renderPlanText(plan).split('\n').at(-1)).toBe(last);
  });

  it('shows why a plan was refused', () => {
    expect(renderPlanText(refused)).toContain('  Error: QuorumLoss: removing 2 of 3 managers in one step');
  });
});

describe('renderPlanMarkdown', () => {
  it('renders a table, quorum, cost and a destructive-change warning', () => {
    expect(renderPlanMarkdown(representative)).toMatchInlineSnapshot(`
      "### Cluster \`web\`

      | Action | Node | Role | Plan | Reason |
      | --- | --- | --- | --- | --- |
      | create | \`node_007\` | manager | medium | manager group medium grows from 1 to 3 |
      | replace | \`node_002\` → \`node_008\` | manager | small → medium | plan of manager changes from small to medium |
      | delete | \`node_006\` | worker | small | removal already under way (deleting); it continues |
      | drain, delete | \`node_004\` | worker | small | worker group small shrinks from 3 to 1; node_004 is listed under remove: |
      | drain, delete | \`node_005\` | worker | small | newest worker of group small (3 → 1) |

      - Managers: 2 → 3 (quorum 2 → 2)
      - Monthly cost: $120.00 → $162.00 (+$42.00/mo, USD)
        - List prices of the droplet (its disk, public IPv4 and transfer allowance included); some figures unverified

      > ⚠️ **Destructive:** 3 nodes deleted (\`node_006\`, \`node_004\`, \`node_005\`); 1 node replaced (\`node_002\`).

      > ⚠️ worker group small lists node_009 under remove:, but there is no such node"
    `);
  });

  it('renders a refused plan without a table', () => {
    expect(renderPlanMarkdown(refused)).toMatchInlineSnapshot(`
      "### Cluster \`web\`

      **Plan refused**: nothing will change until the manifest is fixed.

      > ❌ **QuorumLoss**: removing 2 of 3 managers in one step would leave 1 healthy, below the quorum of 2; a swarm must keep an odd number of managers, so it can only shrink by two while the rest keep quorum (5 → 3 works, 3 → 1 does not)

      - Managers: 3 → 1 (quorum 2 → 1)
      - Monthly cost: $54.00 → $18.00 (−$36.00/mo, USD)
        - List prices of the droplet (its disk, public IPv4 and transfer allowance included); some figures unverified"
    `);
  });

  it('renders a cluster deletion in EUR', () => {
    expect(renderPlanMarkdown(deleted)).toMatchInlineSnapshot(`
      "### Cluster \`web\`

      | Action | Node | Role | Plan | Reason |
      | --- | --- | --- | --- | --- |
      | delete | \`node_002\` | worker | small | cluster manifest was removed |
      | delete | \`node_001\` | manager | small | cluster manifest was removed |
      | delete cluster |  |  |  | cluster manifest was removed |

      - Managers: 1 → 0 (quorum 1 → 0)
      - Monthly cost: €40.98 → €0.00 (−€40.98/mo, EUR)
        - List prices of the server (net of VAT) plus its primary IPv4; some figures unverified

      > ⚠️ **Destructive:** 2 nodes deleted (\`node_002\`, \`node_001\`); cluster \`web\` deleted."
    `);
  });
});

describe('summarizePlan', () => {
  it.each<{ name: string; plan: Plan; summary: string }>([
    { name: 'mixed', plan: representative, summary: '+1 node, −3 nodes, ~1 replaced, +$42.00/mo' },
    { name: 'refused', plan: refused, summary: 'refused: QuorumLoss' },
    { name: 'converged', plan: converged, summary: 'no changes' },
    { name: 'deleted', plan: deleted, summary: '−2 nodes, cluster deleted, −€40.98/mo' },
    {
      name: 'new cluster',
      plan: planCluster(input(manifest('swarm', [{ role: 'manager', plan: 'small', count: 1 }]), [], { initialized: false })),
      summary: '+1 node, control plane init, +$18.00/mo',
    },
  ])('$name', ({ plan, summary }) => {
    expect(summarizePlan(plan)).toBe(summary);
  });
});
