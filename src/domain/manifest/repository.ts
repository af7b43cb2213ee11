import { locate, parseManifest, readManifestId, type ParsedManifest } from './parse.js';
import { nameFromFile } from './rules.js';
import type { ClusterManifest, Diagnostic } from './types.js';

/**
 * One entry under `clusters/` as read from a checkout or a Git snapshot. `unreadable` is an
 * entry the reader refused without reading it (a symlink, a submodule, a special file, a
 * manifest over the size limit): `reason` says why, `id` is what a bounded prefix told of it.
 */
export type RepoEntry =
  | { path: string; kind: 'file'; content: string }
  | { path: string; kind: 'dir' }
  | { path: string; kind: 'unreadable'; reason: string; id?: string };

/** A valid cluster together with the file it came from. */
export interface LoadedCluster {
  file: string;
  manifest: ClusterManifest;
  parsed: ParsedManifest;
}

/**
 * A whole repository's manifests. `invalid` keeps what could be read of each broken file
 * (name from the file, id if readable) so the reconciler can mark that cluster `error`
 * without ever treating it as deleted.
 */
export interface RepositoryLoad {
  clusters: LoadedCluster[];
  invalid: { file: string; name: string; id?: string; diagnostics: Diagnostic[] }[];
  /** Every diagnostic of every file, sorted by file then position. */
  diagnostics: Diagnostic[];
}

/** `<name>` or `<name>.<organizationId>` (names are per organization, DESIGN §6). */
const FILE_STEM = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.org_[a-z0-9]{1,32})?$/;

/** Parses one manifest file (`parseManifest`, or a cache of it). */
export type ManifestParser = (file: string, text: string) => ParsedManifest;

/**
 * `parseManifest` remembering the last parse of each file: a new revision re-parses only the
 * manifests whose text changed (parsing and validating is the cost of a revision at 1,000 clusters).
 */
export function cachedManifestParser(): ManifestParser {
  const last = new Map<string, { text: string; parsed: ParsedManifest }>();
  return (file, text) => {
    const hit = last.get(file);
    if (hit?.text === text) return hit.parsed;
    const parsed = parseManifest(file, text);
    last.set(file, { text, parsed });
    return parsed;
  };
}

/** Validates every entry under `clusters/`; one bad file never hides another's errors. */
export function loadRepository(entries: RepoEntry[], parse: ManifestParser = parseManifest): RepositoryLoad {
  const stray: { problem: Diagnostic; id?: string }[] = [];
  const parsed: ParsedManifest[] = [];
  const refused = entries.filter((e) => e.kind === 'unreadable');
  for (const entry of [...entries].filter((e) => e.kind !== 'unreadable').sort((a, b) => a.path.localeCompare(b.path))) {
    if (isPlaceholder(entry)) continue;
    const problem = checkEntryName(entry);
    // A misplaced file is read just enough to know which cluster it is: that cluster is then
    // `invalid`, never gone (a `git mv` into a sub-folder must not delete it).
    if (problem) stray.push({ problem, ...idOf(entry) });
    else if (entry.kind === 'file') {
      // A copy: the cross-file checks below add diagnostics to it, never to a parse kept for later.
      const p = parse(entry.path, entry.content);
      parsed.push({ ...p, id: p.id ?? readManifestId(entry.content), diagnostics: [...p.diagnostics] });
    }
  }
  checkUnique(parsed, 'id');
  checkUnique(parsed, 'name', (p) => p.organizationId);
  const clusters: LoadedCluster[] = [];
  const invalid: RepositoryLoad['invalid'] = [];
  for (const p of parsed) {
    const hasError = p.diagnostics.some((d) => d.severity === 'error');
    if (p.cluster && !hasError) clusters.push({ file: p.file, manifest: p.cluster, parsed: p });
    else invalid.push({ file: p.file, name: nameFromFile(p.file), ...(p.id ? { id: p.id } : {}), diagnostics: p.diagnostics });
  }
  for (const { problem, id } of stray) invalid.push({ file: problem.file, name: strayName(problem.file), ...(id ? { id } : {}), diagnostics: [problem] });
  const unread = refused.map((e) => refusedEntry(e));
  invalid.push(...unread);
  const diagnostics = [...stray.map((s) => s.problem), ...unread.flatMap((u) => u.diagnostics), ...parsed.flatMap((p) => p.diagnostics)].sort(byPlace);
  return { clusters, invalid: invalid.filter((i) => i.diagnostics.some((d) => d.severity === 'error')), diagnostics };
}

/** An entry the reader refused: always an error, keeping the id it could recover. */
function refusedEntry(entry: RepoEntry & { kind: 'unreadable' }): RepositoryLoad['invalid'][number] {
  const d: Diagnostic = { file: entry.path, line: 1, column: 1, path: '', severity: 'error', code: 'layout', message: entry.reason };
  return { file: entry.path, name: strayName(entry.path), ...(entry.id ? { id: entry.id } : {}), diagnostics: [d] };
}

/**
 * Empty placeholder files that keep a folder in Git (`.gitkeep`, `.keep`): allowed, silently.
 * One with content is a dotfile like any other (`git mv clusters/web.yaml clusters/.keep` must not
 * read as "web removed").
 */
function isPlaceholder(entry: RepoEntry): boolean {
  return entry.kind === 'file' && /^\.(gitkeep|keep)$/.test(entry.path.split('/').pop() ?? '') && entry.content.trim() === '';
}

function idOf(entry: RepoEntry): { id?: string } {
  const id = entry.kind === 'file' ? readManifestId(entry.content) : undefined;
  return id ? { id } : {};
}

/** The cluster name a misplaced file most likely held: its base name without extension(s) or org suffix. */
function strayName(file: string): string {
  return (file.split('/').pop() ?? file).replace(/^\./, '').replace(/\..*$/, '');
}

function checkEntryName(entry: RepoEntry): Diagnostic | null {
  const base = entry.path.split('/').pop() ?? entry.path;
  const at = (message: string): Diagnostic => ({ file: entry.path, line: 1, column: 1, path: '', severity: 'error', code: 'layout', message });
  if (entry.kind === 'dir') return at(`clusters/ holds only <name>.yaml files; the folder "${base}" would be ignored (move its manifests up)`);
  if (entry.path.split('/').length > 2) {
    return at(`manifests live directly in clusters/; a file in a sub-folder is not read as a cluster: move it to clusters/${base}`);
  }
  if (base.startsWith('.')) return at(`hidden file: clusters/ holds only <name>.yaml files and a dotfile is never read as a cluster; rename or remove it`);
  if (/\.(yml|json)$/i.test(base)) return at(`cluster manifests must end in .yaml; rename this file to ${base.replace(/\.[^.]+$/, '.yaml')}`);
  if (!base.endsWith('.yaml')) return at(`not a cluster manifest: clusters/ holds only <name>.yaml files`);
  const name = base.slice(0, -'.yaml'.length);
  if (!FILE_STEM.test(name)) {
    return at(`file name "${base}" is not a valid cluster file name: use the cluster name (1–63 lowercase letters, digits or '-', starting and ending with a letter or digit), optionally followed by .<organizationId>`);
  }
  return null;
}

/** `field` must be unique in the repository, or within each `scope` (names: per organization). */
function checkUnique(parsed: ParsedManifest[], field: 'id' | 'name', scope?: (p: ParsedManifest) => string | undefined): void {
  const byValue = new Map<string, ParsedManifest[]>();
  for (const p of parsed) {
    const v = p[field];
    const key = JSON.stringify([scope?.(p) ?? null, v]);
    if (v !== undefined) byValue.set(key, [...(byValue.get(key) ?? []), p]);
  }
  for (const holders of byValue.values()) {
    if (holders.length < 2) continue;
    for (const p of holders) {
      const others = holders.filter((o) => o !== p).map((o) => o.file).join(', ');
      const pos = locate(p, [field]);
      const where = scope?.(p) ? ` in ${scope(p)}` : '';
      p.diagnostics.push({ file: p.file, ...pos, path: field, severity: 'error', code: 'conflict', message: `${field} ${p[field]} is also used${where} by ${others}; every cluster needs its own ${field}` });
      delete p.cluster;
    }
  }
}

function byPlace(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
}

/** `file:line:col: message`, the one way diagnostics are printed. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}
