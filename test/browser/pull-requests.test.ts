import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alpha, bravo, startGitHubWorld, type GitHubWorld } from '../integration/dashboard/github-world.js';
import { HAVE_CHROMIUM, launchChromium, MISSING, MUST_RUN, screenshot, watchProblems } from './browser.js';

// The pull-requests page with the GitHub integration on (the GitHub emulator, octokit inside
// clusterops): the plan of each open pull request, for the clusters the reader may see.
describe.skipIf(!HAVE_CHROMIUM && !MUST_RUN)('the dashboard in a browser: pull-request plans', () => {
  let world: GitHubWorld;
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(MISSING);
    world = await startGitHubWorld();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    problems = watchProblems(page, world.w.co.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('shows a new pull request with its checks, actions and cost change, live', async () => {
    const { w, gh } = world;
    await page.goto(`${w.co.url}/pull-requests`);
    await page.getByLabel('API token').fill(w.tokens.alice);
    await page.getByLabel('API token').press('Enter');
    await page.getByText('No open pull request changes a cluster you may see.').waitFor();

    world.branch('alpha-up', { 'clusters/alpha.yaml': alpha(3) });
    world.branch('bravo-up', { 'clusters/bravo.yaml': bravo(3) });
    const pr = await gh.openPullRequest({ repo: 'acme/clusters', head: 'alpha-up', title: 'alpha: two more workers' });
    await gh.openPullRequest({ repo: 'acme/clusters', head: 'bravo-up', title: 'bravo: HA control plane' });
    await w.co.prWatcher!.pollOnce();

    // No reload: the page picks it up at its next poll.
    const article = page.locator('article.pull');
    await article.waitFor({ timeout: 10_000 });
    expect(await article.count()).toBe(1); // bravo belongs to another organization
    expect(await article.locator('h2').textContent()).toBe(`Pull request #${pr.number}`);
    expect(await article.locator('.checks').textContent()).toMatch(/clusterops\/validate: ✔ success All cluster manifests are valid.*clusterops\/plan: ✔ success alpha: \+2 nodes, \+\$36\.00\/mo/);
    const rows = (await article.locator('tbody tr').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
    expect(rows).toEqual([expect.stringMatching(/^createnode_003workersmall/), expect.stringMatching(/^createnode_004workersmall/)]);
    expect(await article.textContent()).toContain('Managers 1 → 1 · monthly cost $36.00 → $72.00 (+$36.00)');
    expect(await page.locator('#freshness').textContent()).toMatch(/^Live · updated /);
    await screenshot(page, '11-pull-requests');
    expect(problems).toEqual([]);
  }, 40_000);
});
