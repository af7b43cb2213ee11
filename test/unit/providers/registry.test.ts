import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../../src/domain/manifest/types.js';
import { adapterFactories, createProviderAdapters } from '../../../src/providers/registry.js';

const src = fileURLToPath(new URL('../../../src/', import.meta.url));
const tests = fileURLToPath(new URL('../../integration/providers/', import.meta.url));
const folders = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('provider registry', () => {
  it('registers every adapter folder, each with an emulator and the shared contract suite', () => {
    expect(folders(`${src}providers`)).toEqual(Object.keys(adapterFactories).sort());
    // Every provider has its emulator (src/sim also holds common code, hosts and the GitHub emulator).
    expect(folders(`${src}sim`)).toEqual(expect.arrayContaining([...PROVIDERS]));
    for (const p of PROVIDERS) {
      expect(existsSync(`${tests}${p}.test.ts`), `${p} contract test`).toBe(true);
      expect(readFileSync(`${tests}${p}.test.ts`, 'utf8')).toMatch(new RegExp(`describeProviderContract\\('${p}'`));
    }
  });

  it('builds adapters only for providers with credentials', () => {
    const built = createProviderAdapters({ hetzner: { token: 'x' } }, { ownerId: 'owner-1', endpoints: { hetzner: 'http://127.0.0.1:9/v1' } });
    expect(Object.keys(built)).toEqual(['hetzner']);
    expect(built.hetzner?.provider).toBe('hetzner');
  });
});
