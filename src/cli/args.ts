/** A command line the CLI cannot run: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** Parses an integer option or throws a usage error naming it. */
export function intOption(name: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  }
  return n;
}
