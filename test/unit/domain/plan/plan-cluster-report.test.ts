import { describe, expect, it } from 'vitest';
import { planCluster } from '../../../../src/domain/plan/plan-cluster.js';
import type { Plan, PlanInput } from '../../../../src/domain/plan/types.js';
import { input, manifest, node } from './builders.js';

const hetzner = (region: string) => ({ provider: 'hetzner' as const, region });

describe('planCluster cost', () => {
  it.each<{ name: string; given: PlanInput; cost: Plan['cost'] }>([
    {
      name: 'DigitalOcean shrink; draining nodes are no longer counted before',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 2 },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small'), node(4, 'worker', 'small'), node(5, 'worker', 'small', 'draining')]),
      cost: { currency: 'USD', monthlyBefore: 102, monthlyAfter: 84, includes: 'the droplet (its disk, public IPv4 and transfer allowance included)', unverified: true },
    },
    {
      name: 'Hetzner EU growth in EUR',
      given: input(manifest('swarm', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 3 },
      ], hetzner('fsn1')), [node(1, 'manager', 'medium'), node(2, 'worker', 'small')]),
      cost: { currency: 'EUR', monthlyBefore: 56.98, monthlyAfter: 97.96, includes: 'the server (net of VAT) plus its primary IPv4', unverified: true },
    },
    {
      name: 'AWS sums to the cent, at the region\'s own prices (Frankfurt, not N. Virginia)',
      given: input(manifest('swarm', [{ role: 'manager', plan: 'power', count: 3 }], { provider: 'aws', region: 'eu-central-1' }), []),
      cost: { currency: 'USD', monthlyBefore: 0, monthlyAfter: 433.35, includes: 'the On-Demand Linux instance, its public IPv4 and its 8 GB gp3 root volume', unverified: true },
    },
    {
      name: 'a plan the catalogue cannot price in the region counts 0',
      given: input(manifest('swarm', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 2 },
      ], hetzner('ash')), [node(1, 'manager', 'medium')]),
      cost: { currency: 'EUR', monthlyBefore: 0, monthlyAfter: 36.98, includes: 'the server (net of VAT) plus its primary IPv4', unverified: true },
    },
    {
      name: 'deletion is priced with the provider and region given in the input',
      given: { ...input(null, [node(1, 'manager', 'medium'), node(2, 'worker', 'small')]), ...hetzner('fsn1') },
      cost: { currency: 'EUR', monthlyBefore: 56.98, monthlyAfter: 0, includes: 'the server (net of VAT) plus its primary IPv4', unverified: true },
    },
    {
      name: 'deletion without a known provider costs nothing',
      given: input(null, [node(1, 'manager', 'medium')]),
      cost: { currency: 'USD', monthlyBefore: 0, monthlyAfter: 0 },
    },
  ])('$name', ({ given, cost }) => {
    expect(planCluster(given).cost).toEqual(cost);
  });
});

describe('planCluster warnings', () => {
  it.each<{ name: string; given: PlanInput; warnings: string[] }>([
    {
      name: 'converged cluster',
      given: input(manifest('swarm', [{ role: 'manager', plan: 'medium', count: 3 }]), [
        node(1, 'manager', 'medium'), node(2, 'manager', 'medium'), node(3, 'manager', 'medium'),
      ]),
      warnings: [],
    },
    {
      name: 'remove: entries that do not exist, belong elsewhere or are not reached',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1, remove: ['node_002'] },
        { role: 'worker', plan: 'small', count: 2, remove: ['node_009', 'node_003', 'node_004'] },
        { role: 'worker', plan: 'power', count: 1 },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small'), node(4, 'worker', 'power')]),
      warnings: [
        'manager group medium lists node_002 under remove:, but node_002 is a worker of plan small, not a node of that group',
        'worker group small lists node_009 under remove:, but there is no such node',
        'worker group small lists node_003 under remove:, but the group does not shrink far enough to remove it, so node_003 stays',
        'worker group small lists node_004 under remove:, but node_004 is a worker of plan power, not a node of that group',
      ],
    },
    {
      name: 'remove: entries that are going anyway',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 1, remove: ['node_002', 'node_003'] },
      ]), [node(1, 'manager', 'medium'), node(2, 'worker', 'small'), node(3, 'worker', 'small', 'draining'), node(4, 'worker', 'small')]),
      warnings: [],
    },
    {
      name: 'remove: entries of nodes that were removed long ago stay quiet (ids are never reused)',
      given: input(manifest('kubernetes', [
        { role: 'manager', plan: 'medium', count: 1 },
        { role: 'worker', plan: 'small', count: 1, remove: ['node_002', 'node_012'] },
      ]), [node(1, 'manager', 'medium'), node(3, 'worker', 'small')], { lastNodeNumber: 5 }),
      warnings: ['worker group small lists node_012 under remove:, but there is no such node'],
    },
    {
      name: 'kubernetes ends with an even number of managers',
      given: input(manifest('kubernetes', [{ role: 'manager', plan: 'medium', count: 2 }]), [
        node(1, 'manager', 'medium'), node(2, 'manager', 'medium'), node(3, 'manager', 'medium'),
      ]),
      warnings: ['the kubernetes control plane will have 2 managers; an even number of managers tolerates no more failures than one fewer'],
    },
    {
      name: 'uninitialised, and no manager that could be initialised',
      given: input(manifest('swarm', [{ role: 'manager', plan: 'medium', count: 1 }]), [node(1, 'manager', 'medium', 'error')], { initialized: false }),
      warnings: ['the control plane is not initialised and no manager is running or provisioning; it will be initialised once one is'],
    },
  ])('$name', ({ given, warnings }) => {
    expect(planCluster(given).warnings).toEqual(warnings);
  });
});
