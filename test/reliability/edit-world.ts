import { setTimeout as sleep } from 'node:timers/promises';
import { TAG } from '../../src/providers/ownership.js';
import type { SimVmView } from '../../src/sim/common/types.js';
import { call, converged, startApiWorld, waitFor, type ApiWorld } from '../integration/api/api-harness.js';
import { commitsOf, describeEdit, FLEET, fleetFiles, nodesOf, pushEdit, pushRestoreAll, type Book, type GitEdit } from './git-edit-arbitraries.js';

/**
 * The world the Git-edit suites push to — the daemon in process against the simulated cloud,
 * the API over HTTP, accounts of two organisations (api-harness) — and the instruments that
 * compare it with the starting fleet: VMs of the fleet that are gone, clusters the API shows
 * in another organisation, and VMs or names that duplicate a fleet cluster.
 */

/** What the fleet looked like once converged: the VMs (provider ids) of each cluster id. */
export interface Baseline {
  vms: Map<string, Set<string>>;
}

/** What the edits did that they must not, cumulated over a world's life: key (a VM or cluster id) → what and which edit. */
export interface Harm {
  /** Fleet VMs that no longer exist (every fleet cluster is declared again at the end). */
  deleted: Map<string, string>;
  /** Fleet cluster ids the API listed in another organisation than their own (no admin act in these suites). */
  orgChanged: Map<string, string>;
  /** VMs of an id that is not the fleet's, VMs of a fleet cluster on another provider or region, a name under two ids. */
  duplicates: Map<string, string>;
  /** VMs that appeared (any cluster) while no edit asked for one. */
  created: Map<string, string>;
  /** Running VMs of a fleet cluster that the API's `cluster.one` does not show (left running and invisible). */
  invisible: Map<string, string>;
}

export const noHarm = (): Harm => ({ deleted: new Map(), orgChanged: new Map(), duplicates: new Map(), created: new Map(), invisible: new Map() });

export const HARM_KINDS = ['deleted', 'orgChanged', 'duplicates', 'created', 'invisible'] as const;

/** The first edit that did it keeps the blame. */
const note = (found: Map<string, string>, key: string, detail: string) => void (found.has(key) || found.set(key, detail));

export const allVms = (w: ApiWorld): SimVmView[] => Object.values(w.sim.emulators).flatMap((e) => e.vms());

const label = (v: SimVmView) => `${v.provider}/${v.tags[TAG.cluster]}/${v.tags[TAG.node]} (${v.id})`;

/** Starts a world with the fleet pushed and waits until every cluster of it runs. */
export async function startFleetWorld(): Promise<{ w: ApiWorld; baseline: Baseline }> {
  const w = await startApiWorld({ files: fleetFiles(), bootMs: 20, deleteMs: 20, listingLagMs: 1_000 });
  for (const c of FLEET) await converged(w.co, c.id, nodesOf(c));
  return { w, baseline: baselineOf(w) };
}

export function baselineOf(w: ApiWorld): Baseline {
  const vms = new Map(FLEET.map((c) => [c.id, new Set<string>()]));
  for (const v of allVms(w)) vms.get(v.tags[TAG.cluster]!)?.add(v.id);
  return { vms };
}

/** What can still move: VMs and their states, each cluster's status and open intents. */
function fingerprint(w: ApiWorld): string {
  const vms = allVms(w).map((v) => `${v.id}:${v.status}`).sort();
  const records = w.co.store.clusters().map((r) => `${r.id}:${r.status?.status}:${r.intents.length}`).sort();
  return JSON.stringify([vms, records]);
}

/**
 * Lets the daemon take in what was pushed: a poll, then passes until nothing is queued or
 * running, no intent is open and the world has not moved for several looks in a row (a pass
 * requeued after a boot, or a retry after a failure, moves it again).
 */
export async function settle(w: ApiWorld): Promise<void> {
  await w.co.daemon.pollNow();
  let last = '';
  let same = 0;
  await waitFor(
    'the daemon to take the edit in',
    async () => {
      await w.co.daemon.controller.idle();
      const now = fingerprint(w);
      same = now === last && !w.co.store.clusters().some((r) => r.intents.length > 0) ? same + 1 : 0;
      last = now;
      if (same < 4) await sleep(200);
      return same >= 4;
    },
    120_000,
  );
}

/**
 * Pushes an edit (one commit, or two for a deletion confirmed in a later commit), lets the
 * daemon take in each commit and measures the world after it; `prefix` goes before the edit in
 * each finding. Returns the number of commits and of new findings.
 */
export async function takeEdit(w: ApiWorld, baseline: Baseline, harm: Harm, book: Book, edit: GitEdit, prefix = ''): Promise<{ commits: number; found: number }> {
  let found = 0;
  const steps = commitsOf(edit);
  for (const step of steps) {
    const before = new Set(allVms(w).map((v) => v.id));
    pushEdit(w.repo, book, step);
    await settle(w);
    found += await measure(w, baseline, harm, `${prefix}${describeEdit(step)}`, before);
  }
  return { commits: steps.length, found };
}

/**
 * A person puts every manifest back as it was; the daemon takes it in. Returns the fleet
 * clusters that do not then run their declared nodes (a bounded wait: a cluster the edits
 * broke may never come back).
 */
export async function restoreFleet(w: ApiWorld, book: Book): Promise<string[]> {
  pushRestoreAll(w.repo, book);
  await settle(w);
  const stuck: string[] = [];
  for (const c of FLEET) await converged(w.co, c.id, nodesOf(c)).catch(() => stuck.push(c.name));
  return stuck;
}

/** Ids each admin's `cluster.all` lists: what the API says each organisation holds. */
type Listed = Record<'org_abc123' | 'org_other', { id: string; name: string }[]>;

async function listedBy(w: ApiWorld): Promise<Listed> {
  const list = async (token: string) => (await call(w.co.url, 'GET', '/api/cluster.all', { token })).json?.result?.data ?? [];
  return { org_abc123: await list(w.tokens.alice), org_other: await list(w.tokens.eve) };
}

/**
 * Adds to `harm` what the world shows now, against the baseline: fleet VMs gone, fleet
 * clusters listed in the other organisation, duplicates. `before` (the VM ids before the edit)
 * makes every VM that appeared since a creation.
 */
export async function measure(w: ApiWorld, baseline: Baseline, harm: Harm, cause: string, before?: ReadonlySet<string>): Promise<number> {
  const found = () => HARM_KINDS.reduce((n, k) => n + harm[k].size, 0);
  const was = found();
  const vms = allVms(w);
  const alive = new Set(vms.map((v) => v.id));
  for (const [cluster, ids] of baseline.vms) for (const id of ids) if (!alive.has(id)) note(harm.deleted, id, `${cluster} VM ${id} gone (${cause})`);
  for (const v of vms) {
    const fleet = FLEET.find((c) => c.id === v.tags[TAG.cluster]);
    if (!fleet) note(harm.duplicates, v.id, `${label(v)}: an id the fleet does not have (${cause})`);
    else if (fleet.provider !== v.provider || fleet.region !== v.region) note(harm.duplicates, v.id, `${label(v)} in ${v.region}: ${fleet.name} is on ${fleet.provider} ${fleet.region} (${cause})`);
    if (before && !before.has(v.id)) note(harm.created, v.id, `${label(v)} (${cause})`);
  }
  const listed = await listedBy(w);
  await noteInvisible(w, listed, vms, harm, cause);
  for (const c of FLEET) {
    const other = c.organizationId === 'org_abc123' ? 'org_other' : 'org_abc123';
    if (listed[other].some((x) => x.id === c.id)) note(harm.orgChanged, c.id, `${c.name} (${c.id}) listed in ${other} (${cause})`);
  }
  const all = [...listed.org_abc123, ...listed.org_other];
  for (const c of FLEET) {
    const ids = new Set(all.filter((x) => x.name === c.name || x.name.startsWith(`${c.name}-r`)).map((x) => x.id));
    if (ids.size > 1) note(harm.duplicates, `name ${c.name}`, `${c.name} under ${[...ids].sort().join(', ')} (${cause})`);
  }
  return found() - was;
}

/** Per kind of edit: `harmful/made` (harmful: the world showed a new finding after it). */
export class KindTally {
  private readonly made = new Map<string, { made: number; harmful: number }>();
  add(kind: string, harmful: boolean): void {
    const t = this.made.get(kind) ?? { made: 0, harmful: 0 };
    this.made.set(kind, { made: t.made + 1, harmful: t.harmful + (harmful ? 1 : 0) });
  }
  toJSON(): Record<string, string> {
    return Object.fromEntries([...this.made].sort().map(([k, t]) => [k, `${t.harmful}/${t.made}`]));
  }
}

/** Every running VM of a fleet cluster is among the nodes `cluster.one` answers to the admin of the organisation listing it. */
async function noteInvisible(w: ApiWorld, listed: Listed, vms: SimVmView[], harm: Harm, cause: string): Promise<void> {
  for (const c of FLEET) {
    const org = (['org_abc123', 'org_other'] as const).find((o) => listed[o].some((x) => x.id === c.id));
    const token = org === 'org_other' ? w.tokens.eve : w.tokens.alice;
    const reply = org ? await call(w.co.url, 'GET', '/api/cluster.one', { token, query: { clusterId: c.id } }) : undefined;
    const shown = new Set<string>((reply?.json?.result?.data?.nodes ?? []).map((n: { id: string }) => n.id));
    for (const v of vms) if (v.tags[TAG.cluster] === c.id && !shown.has(v.tags[TAG.node]!)) note(harm.invisible, v.id, `${label(v)} runs, the API shows ${c.name} without it (${cause})`);
  }
}

/** The counts a suite prints, and the first details of each. */
export function harmCounts(harm: Harm): Record<string, unknown> {
  return {
    'VMs deleted that the final manifests still declare': harm.deleted.size,
    'clusters that changed organisation without an admin act': harm.orgChanged.size,
    'duplicated clusters (VMs or names)': harm.duplicates.size,
    'VMs created by edits': harm.created.size,
    'VMs running that the API does not show': harm.invisible.size,
  };
}

export function harmDetails(harm: Harm, limit = 12): string[] {
  return HARM_KINDS.flatMap((k) => [...harm[k].values()].slice(0, limit));
}
