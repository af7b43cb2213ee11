import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import fc from 'fast-check';
import type { Provider } from '../../src/domain/manifest/types.js';
/** The commit-message marker that once confirmed held deletions; no commit may confirm anything now. */
const CONFIRM_DELETION_MARKER = 'clusterops: confirm-deletion';
import { group, manifest, type TestRepo } from '../integration/reconcile/harness.js';

/**
 * Human Git edits for the destructive-edits suite and the Git block of the bad-input suite:
 * the fleet they start from, a fast-check arbitrary of edits (remove an id, rename, move into a
 * layout the validator rejects, change an immutable field, break the syntax, push a symlink,
 * delete several manifests with or without the confirmation marker, restore), and how a person
 * makes each one in a clone (git mv, symlinks, sub-folders) and pushes it.
 */

/** One cluster of the starting fleet: what its manifest declares. */
export interface FleetCluster {
  id: string;
  name: string;
  organizationId: 'org_abc123' | 'org_other';
  provider: Provider;
  region: string;
  orchestrator: 'kubernetes' | 'swarm';
  workers: number;
}

/** Six clusters over the three providers, both orchestrators and both seeded organisations: 8 VMs. */
export const FLEET: readonly FleetCluster[] = [
  { id: 'cluster_web', name: 'web', organizationId: 'org_abc123', provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', workers: 1 },
  { id: 'cluster_api', name: 'api', organizationId: 'org_abc123', provider: 'hetzner', region: 'fsn1', orchestrator: 'swarm', workers: 1 },
  { id: 'cluster_etl', name: 'etl', organizationId: 'org_abc123', provider: 'aws', region: 'us-east-1', orchestrator: 'kubernetes', workers: 0 },
  { id: 'cluster_cache', name: 'cache', organizationId: 'org_abc123', provider: 'aws', region: 'eu-west-1', orchestrator: 'swarm', workers: 0 },
  { id: 'cluster_batch', name: 'batch', organizationId: 'org_other', provider: 'digitalocean', region: 'fra1', orchestrator: 'swarm', workers: 0 },
  { id: 'cluster_db', name: 'db', organizationId: 'org_other', provider: 'hetzner', region: 'nbg1', orchestrator: 'kubernetes', workers: 0 },
];

export const nodesOf = (c: FleetCluster): number => 1 + c.workers;

export function manifestOf(c: FleetCluster): string {
  const groups = [group('manager', 'nano', 1), ...(c.workers > 0 ? [group('worker', 'nano', c.workers)] : [])].join('\n');
  return manifest(c.name, { id: c.id, provider: c.provider, region: c.region, orchestrator: c.orchestrator, groups }).replace('organizationId: org_abc123', `organizationId: ${c.organizationId}`);
}

export const fleetFiles = (): Record<string, string> => Object.fromEntries(FLEET.map((c) => [`clusters/${c.name}.yaml`, manifestOf(c)]));

/** Layouts the validator rejects (issue 14 item 2); `rename-broken` is a valid new name plus a syntax error. */
export type Layout = 'subfolder' | 'yml' | 'uppercase' | 'underscore' | 'dotfile' | 'rename-broken';
/** Fields the API refuses to change (issue 14 item 3). */
export type Immutable = 'provider' | 'region' | 'orchestrator' | 'organizationId';

/** One human edit; `target` indexes FLEET. */
export type GitEdit =
  | { kind: 'remove-id'; target: number }
  | { kind: 'rename'; target: number }
  | { kind: 'layout'; target: number; layout: Layout }
  | { kind: 'immutable'; target: number; field: Immutable }
  | { kind: 'break-syntax'; target: number }
  | { kind: 'symlink'; target: number; replace: boolean }
  /** Beyond the mass-deletion guard (4–6 of 6); the marker in the same commit, in a README-only commit after it, or nowhere. */
  | { kind: 'delete-several'; targets: number[]; confirm: 'none' | 'same-commit' | 'next-commit' }
  /** A README-only commit whose message carries the confirmation marker (issue 14 item 4). */
  | { kind: 'marker' }
  | { kind: 'restore'; target: number };

const target = fc.nat({ max: FLEET.length - 1 });
const LAYOUTS: Layout[] = ['yml', 'subfolder', 'rename-broken', 'dotfile', 'uppercase', 'underscore'];
const FIELDS: Immutable[] = ['organizationId', 'provider', 'region', 'orchestrator'];
const CONFIRMS = ['next-commit', 'same-commit', 'none'] as const;

/** One arbitrary per kind of edit, so a suite can cover every kind in a few cases. */
export const EDITS_BY_KIND = {
  'remove-id': target.map((t): GitEdit => ({ kind: 'remove-id', target: t })),
  rename: target.map((t): GitEdit => ({ kind: 'rename', target: t })),
  layout: fc.record({ target, layout: fc.constantFrom(...LAYOUTS) }).map((e): GitEdit => ({ kind: 'layout', ...e })),
  immutable: fc.record({ target, field: fc.constantFrom(...FIELDS) }).map((e): GitEdit => ({ kind: 'immutable', ...e })),
  'break-syntax': target.map((t): GitEdit => ({ kind: 'break-syntax', target: t })),
  symlink: fc.record({ target, replace: fc.boolean() }).map((e): GitEdit => ({ kind: 'symlink', ...e })),
  'delete-several': fc
    .record({ targets: fc.uniqueArray(target, { minLength: 4, maxLength: FLEET.length }), confirm: fc.constantFrom(...CONFIRMS) })
    .map((e): GitEdit => ({ kind: 'delete-several', ...e })),
  restore: target.map((t): GitEdit => ({ kind: 'restore', target: t })),
} satisfies Record<Exclude<GitEdit['kind'], 'marker'>, fc.Arbitrary<GitEdit>>;

const WEIGHTS: Record<keyof typeof EDITS_BY_KIND, number> = { 'remove-id': 3, rename: 1, layout: 3, immutable: 3, 'break-syntax': 1, symlink: 1, 'delete-several': 1, restore: 2 };

/** Destructive edits, weighted towards the ones issue 14 found deleting clusters. */
export const gitEdit: fc.Arbitrary<GitEdit> = fc.oneof(...Object.entries(WEIGHTS).map(([k, weight]) => ({ weight, arbitrary: EDITS_BY_KIND[k as keyof typeof EDITS_BY_KIND] })));

/**
 * `n` edits taking the given kinds in turn, their targets drawn by fast-check from `seed`; round
 * r of the kinds takes the r-th layout, field and confirmation, so a few rounds cover them all.
 */
export function editsInTurn(kinds: readonly (keyof typeof EDITS_BY_KIND)[], n: number, seed: number): GitEdit[] {
  return Array.from({ length: n }, (_, i) => {
    const edit = fc.sample(EDITS_BY_KIND[kinds[i % kinds.length]!], { numRuns: 1, seed: seed + i })[0]!;
    const round = Math.floor(i / kinds.length);
    if (edit.kind === 'layout') return { ...edit, layout: LAYOUTS[round % LAYOUTS.length]! };
    if (edit.kind === 'immutable') return { ...edit, field: FIELDS[round % FIELDS.length]! };
    return edit.kind === 'delete-several' ? { ...edit, confirm: CONFIRMS[round % CONFIRMS.length]! } : edit;
  });
}

/** The commits an edit is made of, each to be taken in by the daemon before the next. */
export function commitsOf(edit: GitEdit): GitEdit[] {
  return edit.kind === 'delete-several' && edit.confirm === 'next-commit' ? [{ ...edit, confirm: 'none' }, { kind: 'marker' }] : [edit];
}

export function describeEdit(e: GitEdit): string {
  const name = (t: number) => FLEET[t]!.name;
  switch (e.kind) {
    case 'layout':
      return `layout ${e.layout} ${name(e.target)}`;
    case 'immutable':
      return `change ${e.field} of ${name(e.target)}`;
    case 'symlink':
      return `symlink ${e.replace ? 'replacing' : 'beside'} ${name(e.target)}`;
    case 'delete-several':
      return `delete ${e.targets.map(name).join(', ')} (marker: ${e.confirm})`;
    case 'marker':
      return 'README-only commit with the confirmation marker';
    default:
      return `${e.kind} ${name(e.target)}`;
  }
}

/** The kind of an edit, as the suites tally them. */
export function kindOf(e: GitEdit): string {
  if (e.kind === 'layout') return `layout ${e.layout}`;
  if (e.kind === 'immutable') return `change ${e.field}`;
  if (e.kind === 'symlink') return `symlink ${e.replace ? 'replacing' : 'beside'}`;
  return e.kind === 'delete-several' ? `delete several (marker: ${e.confirm})` : e.kind;
}

/** Where each cluster's manifest is in the person's clone: its file (none once deleted) and symlinks made to it. */
export interface Placement {
  main: string | null;
  links: string[];
}

/** The person's notebook: where each FLEET cluster's file is now. */
export type Book = Placement[];

export const freshBook = (): Book => FLEET.map((c) => ({ main: `clusters/${c.name}.yaml`, links: [] }));

const OTHER_REGION: Record<string, string> = { sfo3: 'fra1', fra1: 'sfo3', fsn1: 'nbg1', nbg1: 'fsn1', 'us-east-1': 'eu-west-1', 'eu-west-1': 'us-east-1' };
const NEXT_PROVIDER: Record<Provider, [Provider, string]> = { digitalocean: ['hetzner', 'nbg1'], hetzner: ['aws', 'eu-west-1'], aws: ['digitalocean', 'fra1'] };
let serial = 0;

/** Makes one commit of an edit in the clone and pushes it. */
export function pushEdit(repo: TestRepo, book: Book, edit: GitEdit): void {
  const message = edit.kind === 'marker' ? `docs: tidy the README (${CONFIRM_DELETION_MARKER})` : edit.kind === 'delete-several' && edit.confirm === 'same-commit' ? `retire clusters (${CONFIRM_DELETION_MARKER})` : describeEdit(edit);
  repo.change((work) => applyEdit(work, book, edit), message);
}

/** Puts every manifest back where and as it was (original name, id and fields), the way a person fixes it all. */
export function pushRestoreAll(repo: TestRepo, book: Book): void {
  repo.change((work) => {
    FLEET.forEach((_, t) => restore(work, book, t));
    rmSync(join(work, 'manifests'), { recursive: true, force: true });
  }, 'restore every manifest');
}

function applyEdit(work: string, book: Book, edit: GitEdit): void {
  if (edit.kind === 'marker') return writeFileSync(join(work, 'README.md'), `notes ${++serial}\n`);
  if (edit.kind === 'delete-several') return edit.targets.forEach((t) => drop(work, book[t]!));
  const place = book[edit.target]!;
  if (edit.kind === 'restore' || place.main === null) return restore(work, book, edit.target);
  const text = readFileSync(join(work, place.main), 'utf8');
  const name = /^name: (.*)$/m.exec(text)?.[1] ?? FLEET[edit.target]!.name;
  switch (edit.kind) {
    case 'remove-id':
      return writeFileSync(join(work, place.main), text.replace(/^id: .*\n/m, ''));
    case 'rename': {
      const renamed = `${FLEET[edit.target]!.name}-r${++serial}`;
      return move(work, place, `clusters/${renamed}.yaml`, text.replace(/^name: .*$/m, `name: ${renamed}`));
    }
    case 'layout':
      return moveToLayout(work, place, edit.layout, name, text);
    case 'immutable':
      return writeFileSync(join(work, place.main), changeField(text, edit.field));
    case 'break-syntax':
      return writeFileSync(join(work, place.main), breakSyntax(text));
    case 'symlink':
      return link(work, place, edit.replace, name);
  }
}

function moveToLayout(work: string, place: Placement, layout: Layout, name: string, text: string): void {
  const upper = name.charAt(0).toUpperCase() + name.slice(1);
  const renamed = `${name}-r${++serial}`;
  const to: Record<Layout, string> = {
    subfolder: `clusters/eu/${name}.yaml`,
    yml: `clusters/${name}.yml`,
    uppercase: `clusters/${upper}.yaml`,
    underscore: `clusters/${name}_eu.yaml`,
    dotfile: `clusters/.${name}.yaml`,
    'rename-broken': `clusters/${renamed}.yaml`,
  };
  move(work, place, to[layout], layout === 'rename-broken' ? breakSyntax(text.replace(/^name: .*$/m, `name: ${renamed}`)) : text);
}

function changeField(text: string, field: Immutable): string {
  const value = (key: string) => /^(\S+): (.*)$/m.exec(text.split('\n').find((l) => l.startsWith(`${key}: `)) ?? '')?.[2] ?? '';
  const set = (t: string, key: string, v: string) => t.replace(new RegExp(`^${key}: .*$`, 'm'), `${key}: ${v}`);
  switch (field) {
    case 'provider': {
      // A valid pair, so the validator accepts it and only the immutability rule can stop it.
      const [provider, region] = NEXT_PROVIDER[value('provider') as Provider] ?? ['hetzner', 'nbg1'];
      return set(set(text, 'provider', provider), 'region', region);
    }
    case 'region':
      return set(text, 'region', OTHER_REGION[value('region')] ?? value('region'));
    case 'orchestrator':
      return set(text, 'orchestrator', value('orchestrator') === 'swarm' ? 'kubernetes' : 'swarm');
    case 'organizationId':
      return set(text, 'organizationId', value('organizationId') === 'org_other' ? 'org_abc123' : 'org_other');
  }
}

/** An unclosed flow sequence: a YAML syntax error after the id and name lines. */
const breakSyntax = (text: string): string => text.replace(/^nodes:/m, 'nodes: [');

function move(work: string, place: Placement, to: string, text: string): void {
  rmSync(join(work, place.main!), { force: true });
  mkdirSync(dirname(join(work, to)), { recursive: true });
  writeFileSync(join(work, to), text);
  place.main = to;
}

/** Beside: a second name for the manifest; replacing: the manifest moves to manifests/ and clusters/ keeps a link to it. */
function link(work: string, place: Placement, replace: boolean, name: string): void {
  const at = replace ? place.main! : `clusters/${name}-link${++serial}.yaml`;
  let targetPath = place.main!;
  if (replace) {
    targetPath = `manifests/${name}-${++serial}.yaml`;
    mkdirSync(join(work, 'manifests'), { recursive: true });
    renameSync(join(work, place.main!), join(work, targetPath));
    place.main = targetPath;
  }
  mkdirSync(dirname(join(work, at)), { recursive: true });
  symlinkSync(relative(dirname(join(work, at)), join(work, targetPath)), join(work, at));
  place.links.push(at);
}

function drop(work: string, place: Placement): void {
  for (const p of [...place.links, ...(place.main ? [place.main] : [])]) rmSync(join(work, p), { force: true });
  place.links = [];
  place.main = null;
}

function restore(work: string, book: Book, t: number): void {
  drop(work, book[t]!);
  const c = FLEET[t]!;
  const path = `clusters/${c.name}.yaml`;
  rmSync(join(work, path), { force: true });
  // Git removes a folder it emptied (a rebase after every manifest was deleted).
  mkdirSync(join(work, 'clusters'), { recursive: true });
  writeFileSync(join(work, path), manifestOf(c));
  book[t]!.main = path;
}
