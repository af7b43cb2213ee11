// The "Regions and plans" section of docs/manifest.md, rendered from src/domain/catalogue/providers.json
// by scripts/gen-docs.ts.
import { catalogue, type ProviderCatalogue, type SizeSpec } from '../src/domain/catalogue/catalogue.js';
import { PLAN_NAMES } from '../src/domain/manifest/types.js';

/** Past this many size tables a provider is shown as one specs table and a price per region. */
const COMPACT_AFTER = 3;

function money(amount: number, currency: string): string {
  return currency === 'EUR' ? `€${amount.toFixed(2)}` : `$${amount.toFixed(2)}`;
}

/** `€20.49*`: the price, starred when the size's figures are unverified. */
function price(s: SizeSpec, currency: string): string {
  return `${money(s.monthlyPrice, currency)}${s.verified ? '' : '*'}`;
}

function parts(s: SizeSpec, currency: string): string {
  return Object.entries(s.price).map(([name, amount]) => `${name} ${money(amount, currency)}`).join(' + ');
}

function regionLabel(code: string, r: ProviderCatalogue['regions'][string]): string {
  const notes = [r.available === false ? 'no new VMs' : '', r.verified ? '' : 'unverified'].filter(Boolean).join(', ');
  return `\`${code}\`${r.name === code ? '' : ` ${r.name}`}${notes ? ` (${notes})` : ''}`;
}

function includesSection(spec: ProviderCatalogue): string[] {
  const lines = [`What a price includes: ${spec.priceIncludes}. Each monthly price is the sum of:`, ''];
  for (const [name, c] of Object.entries(spec.priceComponents)) {
    const status = c.verified ? `checked ${c.checked}` : `**unverified**, checked ${c.checked}`;
    const note = c.note ? ` ${c.note.charAt(0).toUpperCase()}${c.note.slice(1)}.` : '';
    lines.push(`- \`${name}\` (${status}): ${c.description}${note}`);
  }
  return [...lines, ''];
}

function tablesSection(spec: ProviderCatalogue): string[] {
  const byTable = new Map<string, string[]>();
  for (const [code, region] of Object.entries(spec.regions)) byTable.set(region.sizes, [...(byTable.get(region.sizes) ?? []), regionLabel(code, region)]);
  const lines: string[] = [];
  for (const [table, regions] of byTable) {
    const sizes = spec.sizeTables[table] ?? {};
    lines.push(`Regions${byTable.size > 1 ? ` with the \`${table}\` sizes` : ''}: ${regions.join(', ')}.`, '');
    lines.push('| plan | size | vCPUs | memory | disk | price per month | made of |', '|---|---|---|---|---|---|---|');
    for (const [plan, size] of Object.entries(sizes)) {
      const only = size!.regions ? ` (only in ${size!.regions.join(', ')})` : '';
      lines.push(`| ${plan} | ${size!.size}${only} | ${size!.vcpus} | ${size!.memoryMiB / 1024} GiB | ${size!.diskGB} GB | ${price(size!, spec.currency)} | ${parts(size!, spec.currency)} |`);
    }
    lines.push('');
  }
  return lines;
}

/** One specs table (the sizes are the same in every table), then each region's prices. */
function compactSection(spec: ProviderCatalogue): string[] {
  const tables = Object.values(spec.sizeTables);
  const first = tables[0]!;
  const plans = PLAN_NAMES.filter((p) => first[p]);
  const lines = ['| plan | size | vCPUs | memory | disk |', '|---|---|---|---|---|'];
  for (const plan of plans) {
    const s = first[plan]!;
    lines.push(`| ${plan} | ${s.size} | ${s.vcpus} | ${s.memoryMiB / 1024} GiB | ${s.diskGB} GB |`);
  }
  lines.push('', `Price per month by region (${plans.join(', ')}); each is ${Object.keys(spec.priceComponents).join(' + ')}:`, '');
  lines.push(`| region | ${plans.join(' | ')} |`, `|---|${plans.map(() => '---').join('|')}|`);
  for (const [code, region] of Object.entries(spec.regions)) {
    const table = spec.sizeTables[region.sizes]!;
    lines.push(`| ${regionLabel(code, region)} | ${plans.map((p) => (table[p] ? price(table[p]!, spec.currency) : '—')).join(' | ')} |`);
  }
  return [...lines, ''];
}

/** The section, from `## Regions and plans` on. */
export function renderCatalogue(): string[] {
  const lines = [
    '## Regions and plans',
    '',
    'Plans map to provider sizes through the data table `src/domain/catalogue/providers.json` (checked by',
    '`schemas/catalogue.schema.json`), whose monthly prices price the plans in pull-request comments, `clusterops plan`',
    'and the dashboard. Regions marked "no new VMs" exist but are refused for new clusters.',
    '',
    'Every region, price part and size in that file carries its `source`, the day it was `checked` and whether it is',
    '`verified`: read from the provider itself (its docs, API, SDK or price list). Prices marked * (and regions marked',
    'unverified) come from third-party copies or estimates; the pull-request comment then says "some figures',
    'unverified". Providers change prices: confirm them with the provider before relying on them.',
  ];
  for (const [provider, spec] of Object.entries(catalogue)) {
    lines.push('', `### ${provider}`, '', ...includesSection(spec));
    lines.push(...(Object.keys(spec.sizeTables).length > COMPACT_AFTER ? compactSection(spec) : tablesSection(spec)));
    lines.pop();
  }
  return lines;
}
