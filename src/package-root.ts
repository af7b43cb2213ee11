import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The clusterops package folder (holds example-repo/ and schemas/), from src/ or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'clusterops') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the clusterops package folder');
    dir = parent;
  }
}
