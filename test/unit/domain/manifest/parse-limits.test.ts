import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../../src/domain/manifest/parse.js';

const SECRET = 'ghp_NotForPrinting0123456789abcdefXYZ';
const messages = (text: string) => parseManifest('clusters/x.yaml', text).diagnostics.map((d) => d.message);

describe('manifest diagnostics are bounded and quote no file content', () => {
  it('stops at 20 diagnostics per file and says how many more there were', () => {
    const text = `name: x\n${Array.from({ length: 200 }, (_, i) => `field${i}: 1`).join('\n')}\n`;
    const out = messages(text);
    expect(out).toHaveLength(21);
    // 200 unknown fields and 5 required ones missing: 205 in all.
    expect(out[20]).toBe('… and 185 more problems in this file');
  });

  it('never quotes a file that is a single scalar (a token file, an env file) in its diagnostic', () => {
    for (const text of [`${SECRET}\n`, `TOKEN=${SECRET}\nOTHER=${SECRET}\n`, `"${SECRET}"\n`, `https://x-access-token:${SECRET}@github.com\n`]) {
      const out = messages(text);
      expect(out.length).toBeGreaterThan(0);
      for (const m of out) expect(m).not.toContain(SECRET.slice(0, 12));
    }
  });

  it('keeps YAML error messages short on a huge line, with no excerpt of it', () => {
    for (const text of [`nodes: [${'a'.repeat(200_000)}\n`, `${'k'.repeat(100_000)}: 1\n${'k'.repeat(100_000)}: 2\n`, `a: *${'b'.repeat(50_000)}\n`, `!${'t'.repeat(50_000)} x\n`]) {
      const out = messages(text);
      expect(out.length).toBeGreaterThan(0);
      for (const m of out) expect(m.length).toBeLessThan(240);
    }
  });
});
