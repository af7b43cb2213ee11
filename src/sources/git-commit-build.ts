import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertRepoPath } from './git-inputs.js';
import { readFileAt } from './git-objects.js';
import type { GitRunner } from './git-runner.js';
import type { FileChange, GitIdentity } from './types.js';

/** Reads a file at the head an edit runs on; undefined when it does not exist there. */
export type FileReader = (path: string) => Promise<string | undefined>;

/** What an edit returns: the files to write, or why it will not (nothing is committed then). */
export type EditOutcome = FileChange[] | { refused: string };

/** One requested commit, as the builder needs it. */
export interface CommitSpec {
  message: string;
  author: GitIdentity;
  edit: (read: FileReader) => Promise<EditOutcome>;
}

/** What one spec came to on top of its parent. */
export type BuiltOutcome =
  | { kind: 'commit'; revision: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'unchanged' }
  | { kind: 'error'; error: unknown };

export interface BuildDeps {
  git: GitRunner;
  /** The clone's .git directory; the scratch index and files live there. */
  gitDir: string;
  committer: GitIdentity;
  now: () => Date;
}

/**
 * Builds one commit per spec, each on top of the previous one (the first on `base`, or as a
 * root commit when `base` is null), from Git objects and a scratch index: the working tree
 * and its index are never touched. Returns each spec's outcome and the chain's tip (null when
 * no spec produced a commit). Nothing is pushed.
 */
export async function buildChain(deps: BuildDeps, base: string | null, specs: CommitSpec[]): Promise<{ tip: string | null; outcomes: BuiltOutcome[] }> {
  const scratch = join(deps.gitDir, 'clusterops-commit');
  const env = { GIT_INDEX_FILE: `${scratch}.index` };
  const git = deps.git;
  await rm(env.GIT_INDEX_FILE, { force: true });
  try {
    await git.run(['read-tree', base ?? '--empty'], env);
    let parent = base;
    let parentTree = (await git.run(base === null ? ['write-tree'] : ['rev-parse', `${base}^{tree}`], env)).trim();
    const outcomes: BuiltOutcome[] = [];
    for (const spec of specs) {
      const step = await buildOne(deps, env, scratch, { parent, parentTree }, spec);
      outcomes.push(step.outcome);
      if (step.outcome.kind === 'commit') [parent, parentTree] = [step.outcome.revision, step.tree];
      // A failed edit may have staged part of its changes: start the next one from the parent.
      if (step.outcome.kind === 'error') await git.run(['read-tree', parent ?? '--empty'], env);
    }
    return { tip: parent === base ? null : parent, outcomes };
  } finally {
    await rm(env.GIT_INDEX_FILE, { force: true });
  }
}

async function buildOne(
  deps: BuildDeps,
  env: Record<string, string>,
  scratch: string,
  at: { parent: string | null; parentTree: string },
  spec: CommitSpec,
): Promise<{ outcome: BuiltOutcome; tree: string }> {
  const git = deps.git;
  try {
    const result = await spec.edit((path) => readAt(git, at.parent, path));
    if (!Array.isArray(result)) return { outcome: { kind: 'refused', reason: result.refused }, tree: at.parentTree };
    for (const change of result) assertRepoPath(change.path);
    await stageChanges(git, env, scratch, result);
    const tree = (await git.run(['write-tree'], env)).trim();
    if (tree === at.parentTree) return { outcome: { kind: 'unchanged' }, tree };
    await writeFile(`${scratch}.msg`, spec.message, 'utf8');
    const parents = at.parent === null ? [] : ['-p', at.parent];
    const revision = (await git.run(['commit-tree', tree, ...parents, '-F', `${scratch}.msg`], identityEnv(spec.author, deps))).trim();
    return { outcome: { kind: 'commit', revision }, tree };
  } catch (error) {
    return { outcome: { kind: 'error', error }, tree: at.parentTree };
  } finally {
    await rm(`${scratch}.msg`, { force: true });
  }
}

function readAt(git: GitRunner, rev: string | null, path: string): Promise<string | undefined> {
  assertRepoPath(path);
  return rev === null ? Promise.resolve(undefined) : readFileAt(git, rev, path);
}

/** Hashes every written file in one call, then applies writes and deletes in one `update-index`. */
async function stageChanges(git: GitRunner, env: Record<string, string>, scratch: string, changes: FileChange[]): Promise<void> {
  const last = new Map(changes.map((c) => [c.path, c.content]));
  const writes = [...last].filter((e): e is [string, string] => e[1] !== null);
  const deletes = [...last].filter(([, content]) => content === null).map(([path]) => path);
  // Content goes through files, never argv, so no manifest text reaches a command line.
  const files = writes.map((_, i) => `${scratch}.blob${i}`);
  try {
    await Promise.all(writes.map(([, content], i) => writeFile(files[i]!, content, 'utf8')));
    const blobs = files.length === 0 ? [] : (await git.run(['hash-object', '-w', '--no-filters', '--', ...files])).trim().split('\n');
    const adds = writes.flatMap(([path], i) => ['--cacheinfo', `100644,${blobs[i]},${path}`]);
    const removal = deletes.length === 0 ? [] : ['--force-remove', '--', ...deletes];
    // --verbose: simple-git waits an extra 50 ms after any command that prints nothing.
    if (adds.length + removal.length > 0) await git.run(['update-index', '--verbose', '--add', ...adds, ...removal], env);
  } finally {
    await Promise.all(files.map((f) => rm(f, { force: true })));
  }
}

function identityEnv(author: GitIdentity, deps: BuildDeps): Record<string, string> {
  const date = `@${Math.floor(deps.now().getTime() / 1000)} +0000`;
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: deps.committer.name,
    GIT_COMMITTER_EMAIL: deps.committer.email,
    GIT_COMMITTER_DATE: date,
  };
}
