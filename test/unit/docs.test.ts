import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, manifestFields, renderDocs, settingKey } from '../../scripts/gen-docs.js';
import { PROCEDURES } from '../../src/api/clusters/procedures.js';
import { readConfigFile, SETTINGS } from '../../src/config.js';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'clusterops-docs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The ```yaml blocks of a Markdown text. */
const yamlBlocks = (text: string) =>
  [...text.matchAll(/^( *)```yaml\n([\s\S]*?)^ *```/gm)].map(([, indent = '', body = '']) =>
    body
      .split('\n')
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n'),
  );

describe('generated references', () => {
  const generated = renderDocs();

  it.each(Object.keys(generated))('%s is what `npm run docs` makes of the schemas (run it after changing them)', (path) => {
    expect(read(path)).toBe(generated[path]);
  });

  it('docs/configuration.md names every setting with its environment variable and flag', () => {
    const doc = read('docs/configuration.md');
    expect(SETTINGS.length).toBeGreaterThan(20);
    for (const s of SETTINGS) {
      expect(doc).toContain(`### ${settingKey(s)}\n`);
      if (s.env) expect(doc).toContain(`\`${s.env}\``);
      if (s.flag) expect(doc).toContain(`\`--${s.flag}\``);
      if (s.schema.description) expect(doc).toContain(s.schema.description);
    }
    for (const secret of ['DIGITALOCEAN_TOKEN', 'HCLOUD_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'CLUSTEROPS_WEBHOOK_SECRET', 'CLUSTEROPS_DEMO_TOKEN']) {
      expect(doc).toContain(`\`${secret}\``);
    }
    expect(doc).toContain('clusterops config check');
  });

  it('docs/manifest.md names every field of the manifest schema with its allowed values', () => {
    const doc = read('docs/manifest.md');
    const fields = manifestFields();
    expect(fields.map((f) => f.path)).toEqual(expect.arrayContaining(['name', 'nodes[].count', 'nodes[].remove', 'access[].permission']));
    for (const f of fields) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${f.path}\` |`));
      expect(row, f.path).toBeDefined();
      expect(row).toContain(f.required ? '| yes |' : '| no |');
      for (const value of f.schema.enum ?? []) expect(row).toContain(`\`${String(value)}\``);
      if (f.schema.pattern) expect(row).toContain(f.schema.pattern);
      if (f.schema.description) expect(row).toContain(f.schema.description);
    }
  });

  it('the example configurations in the docs are valid configuration files', () => {
    const examples = [EXAMPLE_CONFIG, ...yamlBlocks(read('docs/operations.md')).filter((y) => /^repo: /m.test(y))];
    expect(examples.length).toBeGreaterThanOrEqual(2);
    examples.forEach((text, i) => {
      const file = join(scratch, `example-${i}.yaml`);
      writeFileSync(file, text);
      expect(() => readConfigFile(file)).not.toThrow();
    });
  });
});

describe('docs/operations.md', () => {
  const doc = read('docs/operations.md');

  it('lists every clusterops metric', () => {
    const names = [...read('src/metrics.ts').matchAll(/name: '(clusterops_[a-z_]+)'/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const name of names) expect(doc).toContain(`| \`${name}\` |`);
  });

  it('troubleshooting names only reasons and messages the code really produces', () => {
    const source = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
      .join('\n');
    const troubleshooting = doc.split('## Troubleshooting')[1] ?? '';
    const reasons = new Set([...troubleshooting.matchAll(/`([A-Z][a-z]+(?:[A-Z][a-z]+)*)`/g)].map((m) => m[1]!));
    for (const reason of ['NoCredentials', 'Unauthorized', 'QuotaExceeded', 'RateLimited', 'SshUnreachable', 'HostKeyChanged', 'DrainTimeout', 'QuorumLoss', 'QuorumLost', 'DeletionHeld', 'InvalidManifest']) {
      expect(reasons).toContain(reason);
    }
    for (const reason of reasons) expect(source, reason).toMatch(new RegExp(`['\\s]${reason}['\\s:]`));
    for (const message of ['poll failed; will try again', 'webhook signature does not match', 'POST /api/cluster.confirmDeletion', 'is not a clusterops store (version 1)', 'did not shut down cleanly', 'could not open a session', 'rate budget spent, not calling', 'the bearer token is not valid']) {
      expect(doc).toContain(message);
      expect(source).toContain(message);
    }
  });

  it('documents the health endpoints with their real readiness checks', () => {
    const main = read('src/main.ts');
    for (const check of ['store', 'repository', 'poll']) {
      expect(main).toContain(`name: '${check}'`);
      expect(doc).toContain(`\`${check}\``);
    }
    expect(doc).toContain('GET /healthz');
    expect(doc).toContain('GET /readyz');
  });
});

describe('docs/api.md', () => {
  const doc = read('docs/api.md');

  it('lists every procedure (the seed\'s eleven, cluster.confirmDeletion and cluster.transfer) with its method, path and success status', () => {
    expect(Object.keys(PROCEDURES)).toHaveLength(13);
    for (const [name, p] of Object.entries(PROCEDURES)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      expect(row).toContain(`| ${p.method} | \`/api/${name}\` |`);
      expect(row).toMatch(new RegExp(`\\| ${p.success}\\b[^|]*\\|$`));
    }
    expect(doc).toContain('/api/openapi.json');
  });
});

describe('links', () => {
  const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

  it('the README links every reference', () => {
    const readme = read('README.md');
    for (const ref of ['docs/operations.md', 'docs/configuration.md', 'docs/manifest.md', 'docs/api.md']) expect(readme).toContain(`](${ref}`);
  });

  it.each(docs)('relative links in %s point at files that exist', (path) => {
    const text = read(path).replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!.split('#')[0]!;
      if (target === '' || /^[a-z]+:/.test(target)) continue;
      expect(existsSync(resolve(dirname(join(root, path)), target)), `${path} → ${m[1]}`).toBe(true);
    }
  });
});
