/**
 * A set of (key, value) pairs, such as "region → sizes it does not offer now": what the
 * emulators' accounts withdraw from the catalogue. Tests add pairs to stage an account's problems.
 */
export class PairSet {
  private readonly byKey = new Map<string, Set<string>>();

  add(key: string, value: string): void {
    const values = this.byKey.get(key) ?? new Set<string>();
    values.add(value);
    this.byKey.set(key, values);
  }

  has(key: string, value: string): boolean {
    return this.byKey.get(key)?.has(value) === true;
  }

  delete(key: string, value: string): void {
    this.byKey.get(key)?.delete(value);
  }

  clear(): void {
    this.byKey.clear();
  }

  /** Every pair, as [key, value]. */
  entries(): [string, string][] {
    return [...this.byKey].flatMap(([key, values]) => [...values].map((value): [string, string] => [key, value]));
  }
}
