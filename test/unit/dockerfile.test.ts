import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// No Docker daemon or registry here: the Dockerfile is read as text and checked against what
// docs/operations.md ("The container image") promises.

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Dockerfile instructions: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(`${current}${line}`.trim());
    current = '';
  }
  const stages: Stage[] = [];
  for (const l of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(l) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: m?.[1] ?? args, ...(m?.[2] ? { name: m[2] } : {}), instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`${upper} before FROM`);
      stages[stages.length - 1]!.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

/** An exec-form (JSON array) argument, or a shell-form string split on spaces. */
function execForm(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
}

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

/** `KEY=value KEY2="v"` pairs of ENV instructions. */
function envOf(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of all(stage, 'ENV')) for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return out;
}

/** The first backticked value of a row of the image table in docs/operations.md. */
function documented(doc: string, label: string): string {
  const row = new RegExp(`^\\| ${label} \\| \`([^\`]+)\``, 'm').exec(doc);
  if (!row) throw new Error(`docs/operations.md: no "${label}" row in the container image table`);
  return row[1]!;
}

const stages = parseDockerfile(read('Dockerfile'));
const [build, runtime] = stages as [Stage, Stage];
const doc = read('docs/operations.md').split('## The container image')[1]?.split('\n## ')[0] ?? '';

describe('Dockerfile', () => {
  it('has two stages, a build stage and a runtime stage, both on an official Node 20 slim image', () => {
    expect(stages).toHaveLength(2);
    for (const s of stages) expect(s.from).toMatch(/^node:20(\.\d+)*-(bookworm-|bullseye-)?slim$/);
    expect(build.name).toBe('build');
    expect(doc).toContain(`\`${build.from}\``);
  });

  it('builds with dev dependencies, then keeps only production ones', () => {
    const runs = all(build, 'RUN').map((i) => i.args);
    const ci = runs.findIndex((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r));
    const compile = runs.findIndex((r) => /\bnpm run build\b/.test(r));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(compile).toBeGreaterThanOrEqual(ci);
    expect(runs.slice(compile).some((r) => /npm prune --omit=dev|npm ci --omit=dev/.test(r))).toBe(true);
    // The build needs the dashboard sources too (npm run build bundles web/ with Vite).
    const copied = all(build, 'COPY').map((i) => i.args.split(/\s+/)[0]);
    for (const needed of ['src', 'web', 'schemas', 'tsconfig.json']) expect(copied.some((c) => c === needed || c === `${needed}/`)).toBe(true);
    expect(JSON.parse(read('package.json')).scripts.build).toMatch(/tsc -p tsconfig\.build\.json.*web\/build\.mjs/);
  });

  it('runs from built output and production node_modules copied from the build stage, never npm install', () => {
    const copies = all(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=build /app/node_modules ./node_modules');
    expect(copies).toContain('--from=build /app/dist ./dist');
    expect(copies.some((c) => /^example-repo\b/.test(c))).toBe(true);
    expect(copies.some((c) => /^schemas\b/.test(c))).toBe(true);
    expect(all(runtime, 'RUN').some((i) => /\bnpm (ci|install)\b/.test(i.args))).toBe(false);
  });

  it('installs git and the OpenSSH client without recommends, and cleans the apt lists', () => {
    const apt = all(runtime, 'RUN').find((i) => /apt-get install/.test(i.args))?.args ?? '';
    expect(apt).toMatch(/--no-install-recommends/);
    for (const pkg of ['git', 'openssh-client', 'ca-certificates']) expect(apt.split(/\s+/)).toContain(pkg);
    expect(apt).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
  });

  it('runs as the non-root user the docs name', () => {
    const user = last(runtime, 'USER')?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(documented(doc, 'user')).toBe(user);
    // The user's uid in the docs is the official image's `node` user.
    if (user === 'node') expect(doc).toMatch(/`node` \(uid 1000/);
  });

  it('has the entry point and default command the docs name', () => {
    const entrypoint = execForm(last(runtime, 'ENTRYPOINT')!.args);
    expect(entrypoint).toEqual(['node', 'dist/src/cli.js']);
    expect(JSON.parse(read('package.json')).bin.clusterops).toBe(entrypoint[1]);
    expect(documented(doc, 'entrypoint')).toBe(entrypoint.join(' '));
    const cmd = execForm(last(runtime, 'CMD')!.args);
    expect(cmd).toEqual(['serve']);
    expect(documented(doc, 'default command')).toBe(cmd.join(' '));
  });

  it('declares the data directory as a volume, matching CLUSTEROPS_DATA_DIR and the docs', () => {
    const env = envOf(runtime);
    const volume = execForm(last(runtime, 'VOLUME')!.args);
    expect(volume).toEqual([env.CLUSTEROPS_DATA_DIR]);
    expect(documented(doc, 'data volume')).toBe(env.CLUSTEROPS_DATA_DIR);
    // The volume's mount point belongs to the runtime user, so a fresh volume is writable.
    expect(all(runtime, 'RUN').some((i) => i.args.includes(`chown ${last(runtime, 'USER')!.args}`) && i.args.includes(env.CLUSTEROPS_DATA_DIR!))).toBe(true);
  });

  it('listens on all interfaces on the documented, exposed port', () => {
    const env = envOf(runtime);
    expect(env.HOST).toBe('0.0.0.0');
    expect(execForm(last(runtime, 'EXPOSE')!.args)).toEqual([env.PORT]);
    expect(documented(doc, 'port')).toBe(env.PORT);
    expect(env.NODE_ENV).toBe('production');
  });

  it('checks /healthz with node (no curl in the slim image) and stops on SIGTERM', () => {
    const health = last(runtime, 'HEALTHCHECK')!.args;
    const command = /CMD\s+(.*)$/.exec(health)?.[1] ?? '';
    const argv = execForm(command);
    expect(argv[0]).toBe('node');
    expect(argv.join(' ')).toMatch(/fetch\('http:\/\/127\.0\.0\.1:'\+\(process\.env\.PORT\|\|3000\)\+'\/healthz'\)/);
    expect(health).not.toMatch(/\bcurl\b|\bwget\b/);
    expect(last(runtime, 'STOPSIGNAL')?.args).toBe('SIGTERM');
    expect(documented(doc, 'health check')).toBe('GET /healthz');
  });
});

describe('.dockerignore', () => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps dependencies, build output, local state and Git history out of the build context', () => {
    for (const path of ['node_modules', '.git', 'dist', '.clusterops', 'test-artifacts']) expect(ignored).toContain(path);
  });

  it('does not exclude anything the Dockerfile copies', () => {
    const copied = stages.flatMap((s) => all(s, 'COPY')).filter((i) => !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of copied) expect(ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`))).toBe(false);
  });
});
