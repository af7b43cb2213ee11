import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBin } from '../../support/cli.js';

describe('clusterops serve refusing to start', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-refuse-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a state.json holding null: one line naming the file and the way back, exit 1, the file untouched', () => {
    const state = join(dataDir, 'state.json');
    writeFileSync(state, 'null');

    const run = runBin(['serve', '--repo', join(dataDir, 'none.git'), '--data-dir', dataDir, '--port', '0']);

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(new RegExp(`^clusterops serve: ${state} is not a clusterops store \\(version 1\\): it holds null, not an object\\. .*restore the file from a backup.*--owner-id`));
    expect(readFileSync(state, 'utf8')).toBe('null');
  });

  it('an owner id that is not the one of a store tracking clusters, and a malformed one', () => {
    const at = '2026-03-01T10:00:00.000Z';
    const record = { id: 'cluster_web', name: 'web', organizationId: 'org_abc123', provider: 'digitalocean', region: 'sfo3', orchestrator: 'kubernetes', createdAt: at, lastNodeNumber: 1, initialized: false, intents: [], status: null, updatedAt: at, events: [] };
    writeFileSync(join(dataDir, 'state.json'), JSON.stringify({ version: 1, instanceId: 'co-0123456789', clusters: { cluster_web: record } }));

    const mismatch = runBin(['serve', '--repo', join(dataDir, 'none.git'), '--data-dir', dataDir, '--port', '0', '--owner-id', 'co-abcdef1234']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/clusterops serve: the configured owner id co-abcdef1234 is not co-0123456789, the owner of the 1 cluster in .*state\.json/);

    const malformed = runBin(['serve', '--repo', join(dataDir, 'none.git'), '--data-dir', dataDir, '--owner-id', 'Prod Owner']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--owner-id must be co- followed by 4 to 32 lowercase letters or digits');
  });
});
