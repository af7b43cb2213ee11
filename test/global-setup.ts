import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds dist/ once so CLI tests run the same JavaScript that `npm start` and the bin run, and the dashboard's bundle (dist/web/) when web/ changed. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['web/build.mjs', '--if-stale'], { cwd: root, stdio: 'inherit' });
}
