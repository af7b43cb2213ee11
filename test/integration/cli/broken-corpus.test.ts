import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readClusterEntries } from '../../../src/sources/local-files.js';
import { formatDiagnostic, loadRepository } from '../../../src/domain/manifest/repository.js';
import { runBin } from '../../support/cli.js';

// Each folder under test/fixtures/broken is a repository with broken manifests and an
// expected.txt holding exactly the lines `clusterops validate` must print for it.
const corpus = fileURLToPath(new URL('../../fixtures/broken/', import.meta.url));
const cases = readdirSync(corpus).sort();
const expected = (c: string) => readFileSync(`${corpus}${c}/expected.txt`, 'utf8').trim().split('\n');

describe('broken manifest corpus', () => {
  it('holds at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('%s: the validator reports exactly the expected errors', async (c) => {
    const repo = loadRepository(await readClusterEntries(`${corpus}${c}`));
    expect(repo.diagnostics.map(formatDiagnostic)).toEqual(expected(c));
    expect(repo.invalid.length).toBeGreaterThan(0);
    for (const line of expected(c)) expect(line).toMatch(/^clusters\/[^:]+:\d+:\d+: \S/);
  });

  it.each(cases)('%s: `clusterops validate` prints them and exits 1 without a stack trace', (c) => {
    const run = runBin(['validate', `${corpus}${c}`]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines.slice(0, -1)).toEqual(expected(c));
    expect(lines.at(-1)).toMatch(/^\d+ errors? in \d+ files?$/);
    expect(run.stderr).not.toMatch(/\n\s+at |Error:/);
  });
});
