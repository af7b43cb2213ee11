import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Provider } from '../../src/domain/manifest/types.js';
import type { SimCredentials } from '../../src/sim/cloud.js';

/** What the simulated cloud in its own process is asked to hold. */
export interface SimSpec {
  bootMs: number;
  /** Seed the benchmark fleet of this size, owned by `ownerId`. */
  fleet?: { size: number; ownerId: string };
}

export interface SimProcess {
  endpoints: Record<Provider, string>;
  credentials: SimCredentials;
  seeded: number;
  close(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./sim-server.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts the simulated cloud in a child process, as a real provider is another machine: its
 * JSON/XML rendering does not compete with the daemon for this process's event loop, and the
 * daemon's memory is measured without the cloud's.
 */
export async function startSimProcess(spec: SimSpec): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], { cwd: ROOT, env: { ...process.env, BENCH_SIM: JSON.stringify(spec) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = await firstLine(child);
  const info = JSON.parse(ready) as Omit<SimProcess, 'close'>;
  return {
    ...info,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(line));
    child.once('exit', (code) => reject(new Error(`the simulated cloud exited with ${code} before it was ready`)));
  });
}
