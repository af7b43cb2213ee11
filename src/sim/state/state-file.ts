import { readFileSync } from 'node:fs';
import { writeFileDurablySync } from '../../durable-file.js';
import type { SimVmView } from '../common/types.js';
import { SavedShapeError, savedObject } from './shape.js';

/**
 * The simulated cloud's state file (`serve --demo`: <dataDir>/sim-state.json; `sim --state FILE`).
 * One JSON document, replaced durably (temp file, fsync, rename, directory fsync) after every
 * change, so it holds the state of some moment and never a mix. Version 1:
 *
 * ```
 * { "version": 1, "credentials": {…}, "ips": {…},
 *   "emulators": { "digitalocean": {…}, "hetzner": {…}, "aws": {…} },
 *   "parts": { "hosts": {…} } }
 * ```
 *
 * Each emulator and part reads back its own section (`restore`), which it wrote (`snapshot`).
 */
export interface SimStateV1 {
  version: 1;
  credentials: unknown;
  ips: unknown;
  emulators: Record<string, unknown>;
  parts: Record<string, unknown>;
}

export const SIM_STATE_VERSION = 1;

/** The state file cannot be read or is not one: said in one line, never started empty over it. */
export class SimStateError extends Error {
  override readonly name = 'SimStateError';
}

/** The error for a state file that is there but unusable, naming it and how to start afresh. */
export function simStateError(path: string, why: string): SimStateError {
  return new SimStateError(`${path} is not a usable simulated-cloud state file (version ${SIM_STATE_VERSION}): ${why}. Nothing was changed; delete it (or move it away) to start with an empty simulated cloud`);
}

/** The saved state, or null when there is no file yet. Throws SimStateError for anything else. */
export function readSimState(path: string): SimStateV1 | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw simStateError(path, `it cannot be read (${code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw simStateError(path, text.trim() === '' ? 'the file is empty' : `not JSON (${withoutExcerpt((err as Error).message)})`);
  }
  try {
    const state = savedObject(value, 'the file');
    if (state.version !== SIM_STATE_VERSION) throw new SavedShapeError(`version ${JSON.stringify(state.version)}, expected ${SIM_STATE_VERSION}`);
    savedObject(state.emulators, 'emulators');
    savedObject(state.parts, 'parts');
    return state as unknown as SimStateV1;
  } catch (err) {
    throw err instanceof SavedShapeError ? simStateError(path, err.message) : err;
  }
}

/** V8 quotes the text around a bad token; the file holds credentials and join tokens, so leave it out. */
function withoutExcerpt(message: string): string {
  return message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
}

/** Writes the state durably, and only when it differs from what was written last. */
export class SimStateWriter {
  private last: string | undefined;

  constructor(readonly path: string) {}

  /** Synchronous: when it returns, the state is on disk (callers answer an HTTP request next). */
  save(state: SimStateV1): void {
    const text = `${JSON.stringify(state)}\n`;
    if (text === this.last) return;
    writeFileDurablySync(this.path, text);
    this.last = text;
  }
}

/** More of the simulated world saved in the cloud's state file, under a key of its own (the demo's hosts). */
export interface SimStatePart {
  snapshot(): unknown;
  /**
   * Resumes from its saved section, once the cloud's emulators are back. Without one (undefined:
   * the file has none yet) it may ask for the cloud's VMs (`vms()`).
   */
  restore(saved: unknown, vms: () => readonly SimVmView[]): Promise<void>;
  /** What to call after each change the part makes, so the cloud saves it. */
  onChange(save: () => void): void;
}
