import { invalidValue } from './api-error.js';

/**
 * Reading EC2 Query parameters. Lists are flattened with singular names and 1-based indexes:
 * `InstanceId.1=…`, `Filter.1.Name=…&Filter.1.Value.1=…`, `TagSpecification.1.Tag.1.Key=…`.
 */
export type Params = URLSearchParams;

export interface Ec2Filter {
  name: string;
  values: string[];
}

export interface Ec2Tag {
  key: string;
  value: string;
}

export interface TagSpecification {
  resourceType: string;
  tags: Ec2Tag[];
}

/** The values of `Prefix.1`, `Prefix.2`, … in index order. */
export function indexed(params: Params, prefix: string): string[] {
  return groups(params, prefix)
    .map((g) => g[''])
    .filter((v): v is string => v !== undefined);
}

/** The members of `Prefix.N.*`, one record per N (keys are the rest after `Prefix.N.`; '' for `Prefix.N` itself). */
export function groups(params: Params, prefix: string): Record<string, string>[] {
  const byIndex = new Map<number, Record<string, string>>();
  const head = `${prefix}.`;
  for (const [key, value] of params) {
    if (!key.startsWith(head)) continue;
    const rest = key.slice(head.length);
    const match = /^(\d+)(?:\.(.*))?$/.exec(rest);
    if (!match) continue;
    const n = Number(match[1]);
    const group = byIndex.get(n) ?? {};
    group[match[2] ?? ''] = value;
    byIndex.set(n, group);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, g]) => g);
}

/** `Sub.1`, `Sub.2`, … inside one group record. */
function subList(group: Record<string, string>, sub: string): string[] {
  return Object.entries(group)
    .map(([k, v]) => [new RegExp(`^${sub}\\.(\\d+)$`).exec(k)?.[1], v] as const)
    .filter((e): e is readonly [string, string] => e[0] !== undefined)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => v);
}

export function filters(params: Params): Ec2Filter[] {
  return groups(params, 'Filter').map((g) => ({ name: g['Name'] ?? '', values: subList(g, 'Value') }));
}

/** `Prefix.N.Key` / `Prefix.N.Value` pairs (`Tag.N…` in CreateTags and inside a TagSpecification). */
export function tagList(group: Record<string, string>, prefix: string): Ec2Tag[] {
  const tags = new Map<number, Ec2Tag>();
  for (const [k, v] of Object.entries(group)) {
    const m = new RegExp(`^${prefix}\\.(\\d+)\\.(Key|Value)$`).exec(k);
    if (!m) continue;
    const tag = tags.get(Number(m[1])) ?? { key: '', value: '' };
    if (m[2] === 'Key') tag.key = v;
    else tag.value = v;
    tags.set(Number(m[1]), tag);
  }
  return [...tags.entries()].sort(([a], [b]) => a - b).map(([, t]) => t);
}

export function tagSpecifications(params: Params): TagSpecification[] {
  return groups(params, 'TagSpecification').map((g) => ({ resourceType: g['ResourceType'] ?? '', tags: tagList(g, 'Tag') }));
}

/** An integer parameter, or undefined when absent; anything else is an InvalidParameterValue. */
export function intParam(params: Params, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw)) throw invalidValue(`Invalid value '${raw}' for ${name}`);
  return Number(raw);
}
