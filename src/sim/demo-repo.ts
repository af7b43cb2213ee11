import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';

const DEMO_AUTHOR = ['-c', 'user.name=clusterops demo', '-c', 'user.email=demo@clusterops.invalid'];

/**
 * The demo's Git remote: `<dataDir>/remote.git`, a bare repository seeded once from
 * `example-repo/` (with the manifest schema copied in, so editors validate). Returns its path.
 */
export async function ensureDemoRemote(dataDir: string, exampleRepo: string, schemaFile: string): Promise<string> {
  const remote = join(dataDir, 'remote.git');
  if (existsSync(join(remote, 'HEAD'))) return remote;
  await mkdir(remote, { recursive: true });
  await simpleGit(remote).raw(['init', '--bare', '--initial-branch=main']);
  const work = await mkdtemp(join(tmpdir(), 'clusterops-seed-'));
  try {
    const git = simpleGit(work);
    await git.raw(['init', '--initial-branch=main']);
    await cp(join(exampleRepo, 'clusters'), join(work, 'clusters'), { recursive: true });
    await cp(join(exampleRepo, 'README.md'), join(work, 'README.md'));
    await mkdir(join(work, 'schemas'));
    await writeFile(join(work, 'schemas', 'cluster.schema.json'), await readFile(schemaFile));
    await git.raw(['add', '-A']);
    await git.raw([...DEMO_AUTHOR, 'commit', '-q', '-m', 'Seed the demo repository from example-repo']);
    await git.raw(['push', '-q', remote, 'main']);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return remote;
}
