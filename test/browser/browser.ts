import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`, done by .ci/run); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.CLUSTEROPS_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Under CI a missing browser fails the run; elsewhere the browser tests are skipped with this reason. */
export const MUST_RUN = process.env.CI === 'true';
export const MISSING = `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the dashboard's browser tests`;

/** Where screenshots go (gitignored): test-artifacts/dashboard/. */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!HAVE_CHROMIUM) throw new Error(MISSING);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Evaluates a JavaScript expression in the page (a string, so this Node-typed test code needs no DOM types). */
export function js<T = unknown>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Collects what the page complains about: Content-Security-Policy violations, script errors and
 * failed requests to other origins (the dashboard must work with no network but its own server).
 */
export function watchProblems(page: Page, origin: string): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401|404|Unauthorized|Not Found/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`request to another origin: ${r.url()}`);
  });
  return problems;
}
