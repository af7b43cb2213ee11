import type { CommandResult } from '../../orchestrators/ssh/types.js';

export const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
export const fail = (stderr: string, code = 1, stdout = ''): CommandResult => ({ code, stdout, stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` });
export const lines = (rows: string[]): string => rows.map((r) => `${r}\n`).join('');

/** go-units `HumanDuration`, lower-cased as `docker node ps` prints it ("about a minute"). */
export function dockerAgo(ms: number): string {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  const h = Math.round(ms / 3_600_000);
  let text: string;
  if (s < 1) text = 'less than a second';
  else if (s === 1) text = '1 second';
  else if (s < 60) text = `${s} seconds`;
  else if (m === 1) text = 'about a minute';
  else if (m < 60) text = `${m} minutes`;
  else if (h === 1) text = 'about an hour';
  else if (h < 48) text = `${h} hours`;
  else if (h < 24 * 14) text = `${Math.floor(h / 24)} days`;
  else if (h < 24 * 60) text = `${Math.floor(h / 24 / 7)} weeks`;
  else if (h < 24 * 730) text = `${Math.floor(h / 24 / 30)} months`;
  else text = `${Math.floor(h / 24 / 365)} years`;
  return `${text} ago`;
}

/** apimachinery `duration.HumanDuration`, kubectl's AGE column. */
export function kubeAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  const y = Math.floor(d / 365);
  return d < 365 * 8 ? `${y}y${d % 365}d` : `${y}y`;
}

/** kubectl's tabwriter layout: columns padded to the widest cell plus three spaces. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return lines(rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('')));
}
