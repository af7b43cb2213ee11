/**
 * Hetzner labels and label selectors (provider-apis.md §2.3). A selector is a comma-separated
 * AND of terms: `k=v` / `k==v`, `k!=v`, `k` (exists), `!k` (absent), `k in (a,b)`, `k notin (a,b)`.
 */
export type LabelTerm =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'exists' | 'absent'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

export type Labels = Record<string, string>;

const NAME = /^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
const VALUE = /^([a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a label key is invalid, or null when it is fine. Selectors may name reserved keys; labels may not. */
export function labelKeyProblem(key: string, allowReserved = false): string | null {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (!NAME.test(name)) return `label key '${key}' is invalid`;
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix))) return `label key prefix '${prefix}' is invalid`;
  if (allowReserved) return null;
  if (prefix === 'hetzner.cloud' || prefix?.endsWith('.hetzner.cloud')) return `label key prefix '${prefix}' is reserved`;
  return null;
}

/** Why a label set is invalid, or null. */
export function labelsProblem(labels: unknown): string | null {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return 'labels must be an object';
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) return keyProblem;
    if (typeof value !== 'string' || !VALUE.test(value)) return `label value for '${key}' is invalid`;
  }
  return null;
}

/** Parses a selector; a string is the reason it is invalid. */
export function parseLabelSelector(selector: string): LabelTerm[] | string {
  const terms: LabelTerm[] = [];
  for (const raw of splitTopLevel(selector)) {
    const term = parseTerm(raw.trim());
    if (typeof term === 'string') return term;
    terms.push(term);
  }
  return terms;
}

/** The items whose labels match `selector` (all of them when it is absent or empty); a string is why it is invalid. */
export function selectByLabels<T extends { labels: Labels }>(items: readonly T[], selector: string | null): T[] | string {
  if (selector === null || selector === '') return [...items];
  const terms = parseLabelSelector(selector);
  return typeof terms === 'string' ? terms : items.filter((i) => matchesSelector(i.labels, terms));
}

export function matchesSelector(labels: Labels, terms: readonly LabelTerm[]): boolean {
  return terms.every((t) => matchesTerm(labels, t));
}

function matchesTerm(labels: Labels, t: LabelTerm): boolean {
  const has = Object.hasOwn(labels, t.key);
  const value = labels[t.key];
  switch (t.op) {
    case 'eq':
      return has && value === t.value;
    case 'neq':
      return !has || value !== t.value;
    case 'exists':
      return has;
    case 'absent':
      return !has;
    case 'in':
      return has && t.values.includes(value!);
    case 'notin':
      return !has || !t.values.includes(value!);
  }
}

/** Splits on commas that are not inside `( … )`, so `k in (a,b),x=y` is two terms. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts;
}

const SET_TERM = /^(\S+)\s+(in|notin)\s+\(([^()]*)\)$/;
const COMPARE_TERM = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/;

function parseTerm(raw: string): LabelTerm | string {
  const invalid = `invalid label selector term '${raw}'`;
  const set = SET_TERM.exec(raw);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim());
    return validTerm({ op: set[2] as 'in' | 'notin', key: set[1]!, values }, values, invalid);
  }
  const compare = COMPARE_TERM.exec(raw);
  if (compare) {
    const op = compare[2] === '!=' ? 'neq' : 'eq';
    const value = compare[3]!.trim();
    return validTerm({ op, key: compare[1]!, value }, [value], invalid);
  }
  if (raw.startsWith('!')) return validTerm({ op: 'absent', key: raw.slice(1).trim() }, [], invalid);
  return validTerm({ op: 'exists', key: raw }, [], invalid);
}

function validTerm(term: LabelTerm, values: string[], invalid: string): LabelTerm | string {
  if (labelKeyProblem(term.key, true) !== null) return invalid;
  return values.every((v) => VALUE.test(v)) ? term : invalid;
}

/**
 * The `name` (exact) and `label_selector` filters every Hetzner listing takes; a string is why
 * the selector is invalid.
 */
export function filterByNameAndLabels<T extends { name: string; labels: Labels }>(items: T[], query: URLSearchParams): T[] | string {
  const name = query.get('name');
  let out = name === null ? items : items.filter((i) => i.name === name);
  const selector = query.get('label_selector');
  if (selector !== null && selector !== '') {
    const terms = parseLabelSelector(selector);
    if (typeof terms === 'string') return terms;
    out = out.filter((i) => matchesSelector(i.labels, terms));
  }
  return out;
}
