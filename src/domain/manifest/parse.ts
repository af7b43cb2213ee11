import { LineCounter, parseAllDocuments, parseDocument, type Document } from 'yaml';
import { checkSchema } from './schema.js';
import { positionOf } from './positions.js';
import { formatPath, type FieldPath } from './field-path.js';
import { checkClusterRules } from './rules.js';
import type { ClusterManifest, Diagnostic, DiagnosticCode } from './types.js';

/** One manifest file after parsing and validation. */
export interface ParsedManifest {
  file: string;
  /** The parsed document (comments and positions kept), absent if the YAML could not be read. */
  doc?: Document;
  lines: LineCounter;
  /** The validated manifest; present only when the file has no errors. */
  cluster?: ClusterManifest;
  /** Fields read even from an invalid file, so an invalid cluster can still be recognised. */
  name?: string;
  id?: string;
  /** Names are unique per organization, so duplicate names are found per this. */
  organizationId?: string;
  diagnostics: Diagnostic[];
}

export const YAML_OPTIONS = { prettyErrors: true, uniqueKeys: true, strict: true, maxAliasCount: 50 } as const;

/** Diagnostics kept per file; the rest are counted in one last line (a file with 200k errors fills no PR comment). */
export const MAX_DIAGNOSTICS_PER_FILE = 20;

/** The longest excerpt of a file a message quotes (a key, an alias name); longer ones are cut. */
const MAX_QUOTE = 40;

/**
 * Parses and validates one `clusters/<name>.yaml`: YAML syntax, then the JSON Schema, then
 * the rules that need more than one field. Never throws for bad input. At most
 * `MAX_DIAGNOSTICS_PER_FILE` diagnostics, then "… and N more problems in this file"; messages
 * quote no more of the file than a short, cut excerpt.
 */
export function parseManifest(file: string, text: string): ParsedManifest {
  const result = parseAndCheck(file, text);
  const extra = result.diagnostics.length - MAX_DIAGNOSTICS_PER_FILE;
  if (extra > 0) {
    const kept = result.diagnostics.slice(0, MAX_DIAGNOSTICS_PER_FILE);
    const last = kept[kept.length - 1]!;
    const severity = result.diagnostics.slice(MAX_DIAGNOSTICS_PER_FILE).some((d) => d.severity === 'error') ? 'error' : 'warning';
    result.diagnostics = [...kept, { file, line: last.line, column: last.column, path: '', severity, code: 'truncated', message: `… and ${extra} more problems in this file` }];
  }
  return result;
}

function parseAndCheck(file: string, text: string): ParsedManifest {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lines });
  const result: ParsedManifest = { file, lines, diagnostics: [] };
  const diag = (line: number, column: number, message: string, path = '', code: DiagnosticCode = 'yaml'): void => {
    result.diagnostics.push({ file, line, column, path, severity: 'error', code, message });
  };
  if (!Array.isArray(docs) || docs.length === 0) {
    diag(1, 1, 'the file is empty: a cluster manifest needs name, provider, region, orchestrator and nodes');
    return result;
  }
  const doc = docs[0]!;
  result.doc = doc;
  if (docs.length > 1) {
    const p = lines.linePos(docs[1]!.range[0]);
    diag(p.line, p.col, 'one cluster per file: this file holds more than one YAML document');
  }
  for (const e of [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')]) {
    const p = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    diag(p.line, p.col, yamlMessage(e.code, e.message, text.slice(e.pos[0], e.pos[0] + 200).split('\n')[0]!));
  }
  if (result.diagnostics.length > 0) return result;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_OPTIONS.maxAliasCount });
  } catch {
    // yaml throws only when alias expansion passes maxAliasCount (a "billion laughs" file).
    diag(1, 1, `the file expands YAML aliases (*name) more than ${YAML_OPTIONS.maxAliasCount} times; write the values out instead`);
    return result;
  }
  if (value === null || value === undefined) {
    diag(1, 1, 'the file is empty: a cluster manifest needs name, provider, region, orchestrator and nodes');
    return result;
  }
  readIdentity(result, value);
  for (const problem of checkSchema(value)) {
    const p = positionOf(doc, lines, problem.at, problem.pointAtKey);
    diag(p.line, p.column, problem.message, formatPath(problem.path), 'schema');
  }
  if (result.diagnostics.length > 0) return result;
  const cluster = value as ClusterManifest;
  for (const rule of checkClusterRules(cluster, file)) {
    const p = positionOf(doc, lines, rule.path);
    result.diagnostics.push({ file, line: p.line, column: p.column, path: formatPath(rule.path), severity: rule.severity, code: rule.code, message: rule.message });
  }
  if (!result.diagnostics.some((d) => d.severity === 'error')) result.cluster = cluster;
  return result;
}

/** The position of a field in a parsed manifest, for diagnostics raised by later checks. */
export function locate(parsed: ParsedManifest, path: FieldPath): { line: number; column: number } {
  return parsed.doc ? positionOf(parsed.doc, parsed.lines, path) : { line: 1, column: 1 };
}

/** The `id` a manifest's text declares, if it can be read at all (for edits racing id assignment). */
export function readManifestId(text: string): string | undefined {
  return readManifestString(text, 'id');
}

/** The `organizationId` a manifest's text declares, if it can be read at all (names are per organization). */
export function readManifestOrganization(text: string): string | undefined {
  return readManifestString(text, 'organizationId');
}

function readManifestString(text: string, field: 'id' | 'organizationId'): string | undefined {
  try {
    const value = parseDocument(text, YAML_OPTIONS).toJS() as Record<string, unknown> | null;
    const v = value?.[field];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function readIdentity(result: ParsedManifest, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const v = value as Record<string, unknown>;
  if (typeof v.name === 'string') result.name = v.name;
  if (typeof v.id === 'string') result.id = v.id;
  if (typeof v.organizationId === 'string') result.organizationId = v.organizationId;
}

function yamlMessage(code: string, message: string, source: string): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^\s*([^:#]+?)\s*:/.exec(source)?.[1];
    return `duplicate key${key ? ` "${clip(key)}"` : ''}: a key may appear only once in a mapping`;
  }
  return `invalid YAML: ${clip(firstLine(message), 160)}`;
}

function clip(text: string, max = MAX_QUOTE): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
