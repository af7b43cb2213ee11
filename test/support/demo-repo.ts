import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };

/**
 * The README's GitOps loop on a demo data directory: clone `remote.git`, add one worker to
 * production (count 2 → 3), commit, and push, pulling first as often as clusterops' own status
 * commits got there before.
 */
export function pushOneMoreProductionWorker(dataDir: string): void {
  const work = join(dataDir, 'my-clone');
  execFileSync('git', ['clone', '-q', join(dataDir, 'remote.git'), work], { env: GIT_ENV });
  const file = join(work, 'clusters/production.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/plan: small\n(\s+)count: 2/, 'plan: small\n$1count: 3'));
  execFileSync('git', ['commit', '-qam', 'production: one more worker'], { cwd: work, env: GIT_ENV });
  // clusterops pushes status commits to the same branch: pull --rebase before pushing.
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('git', ['pull', '-q', '--rebase'], { cwd: work, env: GIT_ENV });
      execFileSync('git', ['push', '-q'], { cwd: work, env: GIT_ENV, stdio: 'pipe' });
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}
