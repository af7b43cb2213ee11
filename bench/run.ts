import { spawn } from 'node:child_process';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR, round, type BenchResult, type Figure } from './lib/report.js';

/**
 * `npm run bench [-- name…]`: runs each benchmark in its own process (so peak memory and
 * leftovers stay per benchmark), then prints one table of every figure with its floor, ratio,
 * target and verdict, and writes `bench/results/summary.json` and `summary.md`.
 */
const BENCHMARKS = ['idle-poll', 'idle-pass', 'convergence', 'push-to-converge', 'api'] as const;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const unknown = wanted.filter((w) => !(BENCHMARKS as readonly string[]).includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? BENCHMARKS.filter((b) => wanted.includes(b)) : [...BENCHMARKS];

const t0 = performance.now();
const results: BenchResult[] = [];
const failed: string[] = [];
for (const name of selected) {
  console.log(`\n▶ ${name}`);
  const code = await runChild(name);
  if (code !== 0) {
    failed.push(name);
    continue;
  }
  results.push(JSON.parse(await readFile(join(RESULTS_DIR, `${name}.json`), 'utf8')) as BenchResult);
}
const totalMs = performance.now() - t0;
const machine = await machineInfo();
const table = renderTable(results);
console.log(`\n${table}\n`);
console.log(`total ${round(totalMs / 60_000, 1)} min on ${machine.cpu} × ${machine.nproc}, ${machine.memoryGiB} GiB, Node ${machine.node}${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
await mkdir(RESULTS_DIR, { recursive: true });
await writeFile(join(RESULTS_DIR, 'summary.json'), `${JSON.stringify({ machine, totalMs: Math.round(totalMs), failed, results }, null, 2)}\n`);
await writeFile(join(RESULTS_DIR, 'summary.md'), `${table}\n\nTotal ${round(totalMs / 60_000, 1)} min. Machine: ${JSON.stringify(machine)}\n`);
process.exit(failed.length > 0 ? 1 : 0);

function runChild(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('bench', `${name}.ts`)], { cwd: ROOT, stdio: 'inherit' });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** A Markdown table: one row per figure. */
function renderTable(rs: readonly BenchResult[]): string {
  const rows = rs.flatMap((r) => r.figures.map((f) => row(r.name, f)));
  const head = ['benchmark', 'figure', 'value', 'floor', 'ratio', 'target', 'result'];
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function row(bench: string, f: Figure): string[] {
  const verdict = f.pass === undefined ? '—' : f.pass ? 'pass' : 'MISS';
  const floor = f.floor === undefined ? '' : `${f.floor} ${f.unit}`;
  return [bench, f.figure + (f.note ? ` (${f.note})` : ''), `${f.value} ${f.unit}`, floor, f.ratio === undefined ? '' : String(f.ratio), f.target ?? '', verdict];
}

async function machineInfo() {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const commit = await new Promise<string>((resolve) => {
    const git = spawn('git', ['describe', '--always', '--dirty'], { cwd: ROOT });
    let out = '';
    git.stdout.on('data', (d: Buffer) => (out += d.toString()));
    git.once('error', () => resolve('unknown'));
    git.once('exit', () => resolve(out.trim() || 'unknown'));
  });
  return { nproc: cpus().length, cpu: model.trim(), memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, commit, date: new Date().toISOString() };
}
