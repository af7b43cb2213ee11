import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type Koa from 'koa';

/**
 * No inline script or style, nothing from another origin: the bundle is same-origin files only,
 * and data comes from `/ui/api` on the same origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Client-side routes: each answers the app's index.html, which then loads the page's data. */
const PAGES = [/^\/$/, /^\/clusters\/[^/]+$/, /^\/pull-requests$/];
/** Built files: hashed assets, and a few named files at the root (favicon). */
const ASSET = /^\/assets\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const ROOT_FILE = /^\/[A-Za-z0-9_-][A-Za-z0-9._-]*\.(svg|png|ico|webmanifest|txt)$/;

/** Sets the headers every dashboard response carries. */
export function securityHeaders(ctx: Koa.Context): void {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
}

/**
 * Serves the Vite bundle in `webRoot` (dist/web): the app's pages with `no-cache` (always
 * revalidated, so a new build shows at once) and the content-hashed assets as immutable.
 * Files are read on demand; nothing outside `webRoot` can be named (paths are allow-listed).
 */
export function staticFiles(webRoot: string): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const page = PAGES.some((p) => p.test(ctx.path));
    if (!page && !ASSET.test(ctx.path) && !ROOT_FILE.test(ctx.path)) return next();
    const file = page ? 'index.html' : ctx.path.slice(1);
    const content = await readFile(join(webRoot, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'EISDIR') return null;
      throw err;
    });
    if (content === null) {
      if (!page) return next();
      securityHeaders(ctx);
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'The dashboard is not built: run `npm run build` (it bundles web/ into dist/web/).\n';
      return;
    }
    securityHeaders(ctx);
    ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
    ctx.set('Cache-Control', ASSET.test(ctx.path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.body = content;
  };
}
