import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where every benchmark writes its JSON (gitignored). */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/**
 * One reported figure. `floor` is the same work done the cheapest possible way, measured in the
 * same run; `ratio` = value / floor. `target` is the issue's goal in words; `pass` is undefined
 * for figures that have no target (reported for information).
 */
export interface Figure {
  figure: string;
  value: number;
  unit: string;
  floor?: number;
  ratio?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

/** What one benchmark writes to `bench/results/<name>.json`. */
export interface BenchResult {
  name: string;
  startedAt: string;
  durationMs: number;
  /** Peak resident set size of the benchmark's process (the daemon under test runs in it). */
  maxRssMiB: number;
  figures: Figure[];
  details: Record<string, unknown>;
}

/** A figure compared with its floor: ratio and whether it meets `≤ maxRatio`. */
export function ratioFigure(figure: string, value: number, floor: number, unit: string, maxRatio?: number, note?: string): Figure {
  const ratio = floor > 0 ? value / floor : Number.POSITIVE_INFINITY;
  return {
    figure,
    value: round(value),
    unit,
    floor: round(floor),
    ratio: round(ratio, 2),
    ...(maxRatio !== undefined ? { target: `ratio ≤ ${maxRatio}`, pass: ratio <= maxRatio } : {}),
    ...(note ? { note } : {}),
  };
}

/**
 * A figure where higher is better (writes per second): `ratio` = floor / value, computed from the
 * unrounded numbers, and met when ≤ `maxRatio`.
 */
export function inverseRatioFigure(figure: string, value: number, floor: number, unit: string, maxRatio: number, note?: string): Figure {
  const ratio = value > 0 ? floor / value : Number.POSITIVE_INFINITY;
  return { figure, value: round(value), unit, floor: round(floor), ratio: round(ratio, 2), target: `ratio ≤ ${maxRatio}`, pass: ratio <= maxRatio, ...(note ? { note } : {}) };
}

/**
 * The tail of a sample set, named honestly: its p99 when there are at least 100 samples (so the
 * 99th percentile is not simply the worst one), otherwise its maximum, called so.
 */
export function tail(s: Stats): { label: string; value: number } {
  return s.n >= 100 ? { label: 'p99', value: s.p99 } : { label: `max of ${s.n}`, value: s.max };
}

/** "min–max (n samples)", for figures reported as a median or mean of few samples. */
export function spread(samples: readonly number[], unit = 'ms'): string {
  return `${round(Math.min(...samples))}–${round(Math.max(...samples))} ${unit} over ${samples.length} samples`;
}

export interface Stats {
  n: number;
  mean: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

/** Summary of samples (nearest-rank percentiles). */
export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
  return { n: s.length, mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length), p50: at(50), p99: at(99), min: s[0] ?? Number.NaN, max: s[s.length - 1] ?? Number.NaN };
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Milliseconds since `start` (a `performance.now()` reading). */
export function since(start: number): number {
  return performance.now() - start;
}

export function maxRssMiB(): number {
  // resourceUsage().maxRSS is in KiB.
  return round(process.resourceUsage().maxRSS / 1024);
}

/**
 * Runs a benchmark body as this process's job: writes its result file, prints its figures, and
 * exits (so lingering sockets and timers cannot keep a finished benchmark alive).
 */
export async function runBenchmark(name: string, body: () => Promise<{ figures: Figure[]; details?: Record<string, unknown> }>): Promise<void> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  try {
    const { figures, details } = await body();
    const result: BenchResult = { name, startedAt, durationMs: Math.round(since(t0)), maxRssMiB: maxRssMiB(), figures, details: details ?? {} };
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    for (const f of figures) console.log(`${name}: ${f.figure} = ${f.value} ${f.unit}${f.floor !== undefined ? ` (floor ${f.floor}, ratio ${f.ratio})` : ''}`);
    process.exit(0);
  } catch (err) {
    console.error(`${name} failed:`, err);
    process.exit(1);
  }
}
