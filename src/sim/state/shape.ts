/**
 * Reading saved simulator state back: it comes from a file, so it is `unknown` until checked.
 * The checks are structural (objects, arrays, numbers where the restore code needs them); a
 * failure throws `SavedShapeError`, which the state file turns into an error naming the file.
 */
export class SavedShapeError extends Error {
  override readonly name = 'SavedShapeError';
}

type Json = Record<string, unknown>;

export function savedObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SavedShapeError(`${what} is not an object`);
  return value as Json;
}

/** An array of objects, each handed back as the record type the caller keeps (checked as objects only). */
export function savedRecords<T>(value: unknown, what: string): T[] {
  if (!Array.isArray(value)) throw new SavedShapeError(`${what} is not an array`);
  return value.map((item, i) => structuredClone(savedObject(item, `${what}[${i}]`)) as T);
}

export function savedNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SavedShapeError(`${what} is not a number`);
  return value;
}

export function savedString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new SavedShapeError(`${what} is not a string`);
  return value;
}

export function savedStrings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new SavedShapeError(`${what} is not a list of strings`);
  return [...value] as string[];
}

/** A `{key: value}` object whose values all pass `check`. */
export function savedMap<T>(value: unknown, what: string, check: (v: unknown, what: string) => T): Map<string, T> {
  return new Map(Object.entries(savedObject(value, what)).map(([k, v]) => [k, check(v, `${what}.${k}`)]));
}
