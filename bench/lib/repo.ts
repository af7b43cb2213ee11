import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };

/** Runs git without blocking the event loop (the daemon under test shares this process). */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A bare remote and a person's clone of it, in a temp dir of this benchmark's own. */
export class BenchRepo {
  private constructor(
    readonly root: string,
    readonly remote: string,
    readonly work: string,
  ) {}

  static async create(): Promise<BenchRepo> {
    const root = await mkdtemp(join(tmpdir(), 'clusterops-bench-'));
    const repo = new BenchRepo(root, join(root, 'remote.git'), join(root, 'human'));
    await git(root, 'init', '-q', '--bare', '--initial-branch=main', repo.remote);
    await git(root, 'clone', '-q', repo.remote, repo.work);
    await git(repo.work, 'checkout', '-q', '-B', 'main');
    return repo;
  }

  /** A new directory inside this repo's temp dir (data dirs, extra clones). */
  async dir(name: string): Promise<string> {
    const d = join(this.root, name);
    await mkdir(d, { recursive: true });
    return d;
  }

  async write(files: Record<string, string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.work, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  }

  /** Brings the clone up to date with the remote (clusterops pushes status commits too). */
  async pull(): Promise<void> {
    await git(this.work, 'pull', '-q', '--rebase', 'origin', 'main');
  }

  async head(): Promise<string> {
    return (await git(this.root, '--git-dir', this.remote, 'rev-parse', 'main')).trim();
  }

  /** Commits what `write` wrote and pushes it, rebasing on what others (clusterops) pushed meanwhile. */
  async push(message: string): Promise<void> {
    await git(this.work, 'add', '-A');
    await git(this.work, 'commit', '-q', '-m', message);
    for (let attempt = 1; ; attempt++) {
      try {
        await git(this.work, 'push', '-q', 'origin', 'HEAD:main');
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        await git(this.work, 'pull', '-q', '--rebase', 'origin', 'main');
      }
    }
  }

  async cleanup(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
