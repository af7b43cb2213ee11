import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimCloud } from '../../../src/sim/cloud.js';
import { SimStateError } from '../../../src/sim/state/state-file.js';
import { runBin } from '../../support/cli.js';

/** A state file the cloud wrote, to break in different ways. */
async function validState(file: string): Promise<Record<string, unknown>> {
  const sim = await startSimCloud({ state: file });
  sim.emulators.hetzner.seedVm({ region: 'fsn1', size: 'cpx22', name: 'seeded', tags: {} });
  sim.save();
  await sim.close();
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** Changes one field of a valid state file. */
const edit = (change: (state: any) => unknown) => (text: string) => {
  const state: unknown = JSON.parse(text);
  change(state);
  return JSON.stringify(state);
};

const FRESH = 'Nothing was changed; delete it (or move it away) to start with an empty simulated cloud';

describe('an unusable simulated-cloud state file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterops-simstate-bad-'));
    file = join(dir, 'sim-state.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['truncated JSON', (text: string) => text.slice(0, text.length / 2), /not JSON/],
    ['an empty file', () => '', /the file is empty/],
    ['a damaged token', (text: string) => text.replace(/"token":"sim_do_/, '"token":sim_do_'), /not JSON \(Unexpected token 's'\)\. /],
    ['null', () => 'null', /the file is not an object/],
    ['another version', (text: string) => text.replace('"version":1', '"version":2'), /version 2, expected 1/],
    ['a broken section', edit((s) => (s.emulators.hetzner.servers = 7)), /hetzner\.servers is not an array/],
    ['broken credentials', edit((s) => (s.credentials.digitalocean = 1)), /credentials\.digitalocean is not an object/],
    ['a broken address pool', edit((s) => (s.ips.ranges = ['somewhere'])), /ips\.ranges are not IPv4 CIDR blocks/],
  ])('%s: startSimCloud refuses with a SimStateError naming the file and how to start afresh, and leaves it as it was', async (_what, breakIt, why) => {
    await validState(file);
    const broken = breakIt(readFileSync(file, 'utf8'));
    writeFileSync(file, broken);
    const err = await startSimCloud({ state: file }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SimStateError);
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toContain(`${file} is not a usable simulated-cloud state file (version 1): `);
    expect((err as Error).message).toContain(FRESH);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).not.toMatch(/sim_do_/);
    expect(readFileSync(file, 'utf8')).toBe(broken);
  });

  it('unreadable (a directory in its place): the same kind of error', async () => {
    mkdirSync(file);
    await expect(startSimCloud({ state: file })).rejects.toThrow(new SimStateError(`${file} is not a usable simulated-cloud state file (version 1): it cannot be read (EISDIR). ${FRESH}`));
  });

  it('clusterops sim --state and serve --demo say it in one line, exit 1, no stack trace', () => {
    writeFileSync(file, '{"version": 1, "emul');
    const sim = runBin(['sim', '--state', file, '--port', '0']);
    expect(sim.code).toBe(1);
    expect(sim.stderr).toBe(`clusterops sim: ${file} is not a usable simulated-cloud state file (version 1): not JSON (${jsonError('{"version": 1, "emul')}). ${FRESH}\n`);

    writeFileSync(file, 'null');
    const demo = runBin(['serve', '--demo', '--data-dir', dir, '--port', '0', '--log-level', 'silent']);
    expect(demo.code).toBe(1);
    expect(demo.stderr).toBe(`clusterops serve: ${file} is not a usable simulated-cloud state file (version 1): the file is not an object. ${FRESH}\n`);
    expect(readFileSync(file, 'utf8')).toBe('null');
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}
