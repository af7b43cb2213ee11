// Bundles the dashboard (web/) into dist/web/ with Vite: `node web/build.mjs [--if-stale]`.
// It builds into a fresh folder and swaps it in, so a clusterops already serving dist/web/
// (another test run, say) never sees a half-written bundle. `--if-stale` skips the build
// when dist/web/ is newer than every source file (the test set-up uses it).
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const web = dirname(fileURLToPath(import.meta.url));
const out = join(web, '..', 'dist', 'web');

function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}

const sources = Math.max(newest(web), statSync(join(web, '..', 'src', 'dashboard', 'types.ts')).mtimeMs);
if (process.argv.includes('--if-stale') && existsSync(join(out, 'index.html')) && statSync(join(out, 'index.html')).mtimeMs > sources) process.exit(0);

const fresh = `${out}.${process.pid}.tmp`;
await build({
  configFile: false,
  root: web,
  base: '/',
  logLevel: 'warn',
  publicDir: join(web, 'public'),
  build: {
    outDir: fresh,
    emptyOutDir: true,
    // No inline scripts or styles: the Content-Security-Policy allows same-origin files only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: false,
  },
});
// Another build may swap at the same moment (two test runs starting together): its bundle is
// built from the same sources, so whichever lands last is fine, and a lost race is no error.
const old = `${out}.${process.pid}.old`;
try {
  renameSync(out, old);
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
try {
  renameSync(fresh, out);
} catch (err) {
  if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
  rmSync(fresh, { recursive: true, force: true });
}
rmSync(old, { recursive: true, force: true });
