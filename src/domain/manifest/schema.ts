import { Ajv, type ErrorObject } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import apiSchema from '../../../schemas/api.schema.json' with { type: 'json' };
import schema from '../../../schemas/cluster.schema.json' with { type: 'json' };
import { closest, formatPath, parseJsonPointer, type FieldPath } from './field-path.js';

/** One schema violation, in words a user understands, with where it is. */
export interface SchemaProblem {
  /** The field the message is about. */
  path: FieldPath;
  /** Where to point: the offending key for unknown fields, else the value (or its parent if absent). */
  at: FieldPath;
  pointAtKey: boolean;
  message: string;
}

type SchemaNode = { errorMessage?: string; properties?: Record<string, unknown>; type?: string };

// ajv-formats ships CommonJS with `exports.default`; under NodeNext the default import is the module.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv) => Ajv;

function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
  addFormats(ajv);
  // `errorMessage` carries the human wording in the schema itself (editors show it too).
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  ajv.addSchema(schema, 'cluster.schema.json');
  ajv.addSchema(apiSchema, 'api.schema.json');
  return ajv;
}

const ajv = createAjv();
const validate = ajv.getSchema('cluster.schema.json')!;

/** Checks a parsed manifest against `schemas/cluster.schema.json`, the one validator. */
export function checkSchema(value: unknown): SchemaProblem[] {
  return problems(validate(value) ? [] : (validate.errors ?? []));
}

/**
 * Checks the parameters of an API procedure against its definition in `schemas/api.schema.json`
 * (which refers to the manifest schema for every shared field).
 */
export function checkApiInput(procedure: string, value: unknown): SchemaProblem[] {
  const check = ajv.getSchema(`api.schema.json#/definitions/${procedure}`);
  if (!check) throw new Error(`no schema for ${procedure}`);
  return problems(check(value) ? [] : (check.errors ?? []), 'the request');
}

function problems(errors: ErrorObject[], root = 'the manifest'): SchemaProblem[] {
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const err of errors) {
    const problem = describe(err, root);
    const key = `${formatPath(problem.path)}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function describe(err: ErrorObject, root: string): SchemaProblem {
  const path = parseJsonPointer(err.instancePath);
  const where = formatPath(path);
  const subject = where === '' ? root : where;
  const parent = err.parentSchema as SchemaNode | undefined;
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required': {
      const field = String(params.missingProperty);
      const full = [...path, field];
      return { path: full, at: path, pointAtKey: false, message: `${formatPath(full)} is required` };
    }
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      const hint = closest(field, allowed);
      const tail = hint ? ` (did you mean "${hint}"?)` : ` (allowed: ${allowed.join(', ')})`;
      const prefix = where === '' ? '' : `${where}: `;
      return { path: [...path, field], at: [...path, field], pointAtKey: true, message: `${prefix}unknown field "${field}"${tail}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).join(', ');
      return at(path, `${subject} must be one of ${allowed}, not ${show(err.data)}`);
    }
    case 'uniqueItems': {
      const j = Number(params.j);
      return { path: [...path, j], at: [...path, Math.max(j, Number(params.i))], pointAtKey: false, message: `${subject} lists ${show((err.data as unknown[])[j])} twice` };
    }
    case 'minItems':
      return at(path, `${subject} must list at least ${String(params.limit)} ${where === 'nodes' ? 'node group' : 'item'}`);
    case 'type':
      if (parent?.errorMessage) return at(path, `${subject} ${parent.errorMessage}, not ${show(err.data)}`);
      if (path.length === 0) return at(path, `a cluster manifest must be a YAML mapping of fields (name: …, provider: …), not ${kind(err.data)}`);
      return at(path, `${subject} must be ${article(String(params.type))}, not ${show(err.data)}`);
    default:
      if (parent?.errorMessage) return at(path, `${subject} ${parent.errorMessage}, not ${show(err.data)}`);
      return at(path, `${subject} ${err.message ?? 'is invalid'}`);
  }
}

function at(path: FieldPath, message: string): SchemaProblem {
  return { path, at: path, pointAtKey: false, message };
}

function article(type: string): string {
  return { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'empty' }[type] ?? type;
}

function kind(v: unknown): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  // Never the value: a file that is one scalar is likely not a manifest at all (a token file
  // reached through a symlink, an env file), and its text must not reach CI logs.
  return typeof v === 'object' ? 'a mapping' : `${article(typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v)} value`;
}

/** A short rendering of a user's value for messages; long values are cut. */
function show(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
