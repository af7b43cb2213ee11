import fc from 'fast-check';
import { stringify } from 'yaml';

/**
 * Generators of bad (and sometimes good) input for the bad-input suite: API calls with fuzzed
 * parameters, bodies, methods, tokens and content types, and manifest texts.
 */

/** Anything a JSON field might hold, weighted towards the near-misses validators get wrong. */
const wild = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '../../etc/passwd', 'clusters/x.yaml', 'a'.repeat(300), '__proto__', 'constructor', '${x}', "'; rm -rf /", '\u202e', 'NaN', '-1', '1e309') },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 501, 2 ** 53, -0, 1.5)) },
);

type Json = Record<string, unknown>;

/** Every place inside a JSON value (objects and arrays, at any depth): where a mutation may strike. */
function places(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...path, k], ...places((value as Json)[k as string], [...path, k])]);
}

type Mutation = ['set' | 'drop' | 'add', number, unknown, string];
const mutation: fc.Arbitrary<Mutation> = fc.tuple(fc.constantFrom('set' as const, 'drop' as const, 'add' as const), fc.nat(), wild, fc.string({ maxLength: 12 }));

/** Applies mutations to a deep copy: replace a value (at any depth) by a wild one, drop it, or add a stray key beside it. */
function mutate(value: Json, mutations: Mutation[]): Json {
  const copy = structuredClone(value);
  for (const [op, at, replacement, key] of mutations) {
    const all = places(copy);
    if (all.length === 0) continue;
    const path = all[at % all.length]!;
    const parent = path.slice(0, -1).reduce<any>((o, k) => o?.[k], copy);
    if (parent === null || typeof parent !== 'object') continue;
    const last = path[path.length - 1]!;
    if (op === 'set') parent[last] = replacement;
    else if (op === 'drop') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
    else if (!Array.isArray(parent)) parent[key || 'extra'] = replacement;
  }
  return copy;
}

/** A valid value with 0–3 mutations (a quarter of them left valid). */
const mutated = (valid: fc.Arbitrary<Json>) => fc.tuple(valid, fc.oneof({ weight: 1, arbitrary: fc.constant([] as Mutation[]) }, { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) })).map(([v, m]) => mutate(v, m));

const CLUSTERS = ['cluster_fuzz1', 'cluster_fuzz2', 'cluster_ghost'];
const clusterId = fc.constantFrom(...CLUSTERS);
const role = fc.constantFrom('manager', 'worker');
const plan = fc.constantFrom('nano', 'micro', 'small', 'medium', 'power');
const dnsName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
const where = fc.constantFrom({ provider: 'digitalocean', region: 'sfo3' }, { provider: 'hetzner', region: 'nbg1' }, { provider: 'hetzner', region: 'sin' }, { provider: 'aws', region: 'us-east-1' });
const nodes = fc.tuple(plan, fc.constantFrom(1, 3), plan, fc.integer({ min: 0, max: 3 })).map(([mp, mc, wp, wc]) => [
  { role: 'manager', plan: mp, count: mc },
  ...(wc > 0 ? [{ role: 'worker', plan: wp, count: wc }] : []),
]);

export interface ApiCase {
  procedure: string;
  method: string;
  /** Query parameters for GETs. */
  query?: Record<string, string>;
  /** JSON value for the body, or a raw string sent as is. */
  body?: { json: unknown } | { raw: string };
  contentType?: string;
  token: 'alice' | 'bob' | 'none' | 'garbage';
}

/** Methods per procedure, as documented. */
export const PROCEDURES: Record<string, string> = {
  'cluster.all': 'GET',
  'cluster.one': 'GET',
  'cluster.nodes': 'GET',
  'cluster.listAccess': 'GET',
  'cluster.create': 'POST',
  'cluster.update': 'PATCH',
  'cluster.remove': 'DELETE',
  'cluster.addNode': 'POST',
  'cluster.removeNode': 'DELETE',
  'cluster.grantAccess': 'POST',
  'cluster.revokeAccess': 'DELETE',
  'cluster.confirmDeletion': 'POST',
};

const bodies: Record<string, fc.Arbitrary<unknown>> = {
  'cluster.create': mutated(fc.record({ organizationId: fc.constantFrom('org_abc123', 'org_other'), name: dnsName, where, orchestrator: fc.constantFrom('kubernetes', 'swarm'), nodes }).map(({ where: at, ...rest }) => ({ ...rest, ...at }))),
  'cluster.update': mutated(fc.record({ clusterId, name: dnsName, nodes }, { requiredKeys: ['clusterId'] })),
  // Never a real id: a cluster.remove that succeeds would take the fuzzing targets away.
  'cluster.remove': mutated(fc.constant({ clusterId: 'cluster_ghost' })),
  'cluster.addNode': mutated(fc.record({ clusterId, role, plan })),
  'cluster.removeNode': mutated(fc.record({ clusterId, nodeId: fc.constantFrom('node_001', 'node_002', 'node_999') })),
  'cluster.grantAccess': mutated(fc.record({ clusterId, userId: fc.constantFrom('user_bob', 'user_carol', 'user_eve', 'user_nobody'), permission: fc.constantFrom('read', 'manage') })),
  'cluster.revokeAccess': mutated(fc.record({ clusterId, userId: fc.constantFrom('user_bob', 'user_carol', 'user_nobody') })),
  // Nothing is held in the fuzzed world: a confirmation is always refused (409/404/400), never a deletion.
  'cluster.confirmDeletion': mutated(fc.record({ clusterId, revision: fc.constantFrom('abcdef0', '0'.repeat(40), 'HEAD', '') })),
};

const queryValue = fc.oneof(fc.constantFrom(...CLUSTERS, 'org_abc123', 'org_other'), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom('', '%00', 'a'.repeat(2000)));
const queries: Record<string, fc.Arbitrary<Record<string, string>>> = {
  'cluster.all': fc.record({ organizationId: queryValue, extra: queryValue }, { requiredKeys: [] }),
  'cluster.one': fc.record({ clusterId: queryValue, extra: queryValue }, { requiredKeys: [] }),
  'cluster.nodes': fc.record({ clusterId: queryValue }, { requiredKeys: [] }),
  'cluster.listAccess': fc.record({ clusterId: queryValue, userId: queryValue }, { requiredKeys: [] }),
};

const method = (right: string) => fc.oneof({ weight: 9, arbitrary: fc.constant(right) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS') });
const token = fc.oneof({ weight: 8, arbitrary: fc.constant('alice' as const) }, { weight: 1, arbitrary: fc.constantFrom('bob' as const, 'none' as const, 'garbage' as const) });
const rawBody = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '{"clusterId":', 'null', '[]', '"x"', '1', 'true', '{"a":1}{"b":2}', '\uFEFF{}', '{"__proto__":{"admin":true}}'));
const contentType = fc.oneof({ weight: 9, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', '', 'application/jsonx') });

export const apiCase: fc.Arbitrary<ApiCase> = fc.constantFrom(...Object.keys(PROCEDURES)).chain((procedure): fc.Arbitrary<ApiCase> => {
  const right = PROCEDURES[procedure]!;
  if (right === 'GET') return fc.record({ procedure: fc.constant(procedure), method: method(right), query: queries[procedure]!, token });
  const body = fc.oneof({ weight: 6, arbitrary: bodies[procedure]!.map((json) => ({ json })) }, { weight: 1, arbitrary: rawBody.map((raw) => ({ raw })) });
  return fc.record({ procedure: fc.constant(procedure), method: method(right), body, contentType, token });
});

const MANIFEST = {
  apiVersion: 'clusterops/v1',
  id: 'cluster_m',
  organizationId: 'org_abc123',
  name: 'm',
  provider: 'digitalocean',
  region: 'sfo3',
  orchestrator: 'kubernetes',
  nodes: [{ role: 'manager', plan: 'small', count: 1 }],
};

/**
 * A manifest text: a good one with 0–3 mutations at any depth, rendered as YAML, then maybe cut,
 * spliced with junk, re-indented with tabs, given self-referencing anchors, or replaced by junk.
 */
export const manifestText: fc.Arbitrary<string> = fc
  .tuple(
    mutated(fc.record({ where, orchestrator: fc.constantFrom('kubernetes', 'swarm'), nodes }).map(({ where: at, ...rest }) => ({ ...MANIFEST, ...rest, ...at }))),
    fc.oneof({ weight: 4, arbitrary: fc.constant('as-is') }, { weight: 1, arbitrary: fc.constantFrom('cut', 'splice', 'junk', 'tabs', 'anchors') }),
    fc.nat(),
    fc.string({ unit: 'binary', maxLength: 60 }),
  )
  .map(([m, how, at, junk]) => {
    const text = stringify(m);
    const i = text.length === 0 ? 0 : at % text.length;
    switch (how) {
      case 'cut':
        return text.slice(0, i);
      case 'splice':
        return text.slice(0, i) + junk + text.slice(i);
      case 'junk':
        return junk;
      case 'tabs':
        return text.replaceAll('  ', '\t');
      case 'anchors':
        return `${text}extra: &a [*a]\nbomb: &b [&c [*b, *b], *c]\n`;
      default:
        return text;
    }
  });
