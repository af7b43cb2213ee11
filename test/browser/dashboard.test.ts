import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccounts } from '../../src/auth/accounts.js';
import { readServeConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startClusterops, type Clusterops } from '../../src/main.js';
import { HAVE_CHROMIUM, js, launchChromium, MISSING, MUST_RUN, screenshot, watchProblems } from './browser.js';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Pat', GIT_AUTHOR_EMAIL: 'pat@example.com', GIT_COMMITTER_NAME: 'Pat', GIT_COMMITTER_EMAIL: 'pat@example.com' };
const PARTNER = ['organizationId: org_other', 'id: cluster_partner1', 'name: partner', 'provider: hetzner', 'region: nbg1', 'orchestrator: swarm', 'nodes:', '  - role: manager', '    plan: small', '    count: 1', ''].join('\n');

if (!HAVE_CHROMIUM && !MUST_RUN) console.warn(`skipping the dashboard's browser tests: ${MISSING}`);

// The demo as `npm start` runs it (simulated cloud, simulated machines joined over SSH; VMs boot
// in 8 s, so the browser is signed in well before they run), in
// process so the test can hold a drain, driven by Debian's Chromium through playwright-core.
describe.skipIf(!HAVE_CHROMIUM && !MUST_RUN)('the dashboard in a browser, on the demo', () => {
  let dataDir = '';
  const tokens = { eve: '', bob: '', bobId: '' };
  let co: Clusterops;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];

  const row = (id: string) => page.locator(`tr[data-cluster="${id}"]`);
  /** The status word a row shows (its badge: a shape, then the word). */
  const statusOf = async (id: string) => ((await row(id).locator('.badge').textContent({ timeout: 1_000 }).catch(() => '')) ?? '').trim().split(' ').at(-1) ?? '';
  const signIn = async (token: string) => {
    await page.getByLabel('API token').fill(token);
    await page.getByLabel('API token').press('Enter');
  };

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(MISSING); // under CI=true: fail, never skip
    dataDir = mkdtempSync(join(tmpdir(), 'clusterops-dashboard-'));
    // Accounts before start: another organization with its admin, and a member of the demo's.
    const accounts = await openAccounts(dataDir);
    await accounts.createOrganization('org_abc123', 'Demo organization');
    await accounts.createOrganization('org_other', 'Partner');
    await accounts.addUser('user_eve', { organizationId: 'org_other', role: 'admin' });
    await accounts.addUser('user_bob', { organizationId: 'org_abc123', role: 'member' });
    tokens.eve = (await accounts.createToken('user_eve', 'browser test')).token;
    const bob = await accounts.createToken('user_bob', 'browser test');
    tokens.bob = bob.token;
    tokens.bobId = bob.id;
    const config = readServeConfig({ demo: true, 'data-dir': dataDir, port: '0', 'sim-boot-ms': '8000', 'poll-interval': '1' }, {}, false);
    co = await startClusterops({ ...config, requeueMs: 300 }, { log: silentLogger });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    problems = watchProblems(page, co.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await co?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for a token with a labelled field and says clearly when it is wrong', async () => {
    await page.goto(co.url);
    await expect.poll(() => page.title()).toBe('Sign in · clusterops');
    // The token field has focus and a real label; Tab reaches the button; the first stop of the page is the skip link.
    expect(await js(page, '[document.activeElement?.id, document.activeElement?.labels?.[0]?.textContent]')).toEqual(['token', 'API token']);
    await page.keyboard.press('Tab');
    expect(await js(page, 'document.activeElement?.textContent')).toBe('Sign in');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await js(page, 'document.activeElement?.textContent')).toBe('clusterops');
    await page.keyboard.press('Shift+Tab');
    expect(await js(page, 'document.activeElement?.textContent')).toBe('Skip to content');
    await signIn('not-a-real-token-0123456789');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/That token is not valid/);
    expect(await js(page, 'sessionStorage.length')).toBe(0);
    await screenshot(page, '01-login-bad-token');
  });

  it('signs in with the demo token and shows the example clusters converge live, without reloading', async () => {
    await js(page, 'window.stayed = true');
    await signIn(co.demoToken!);
    await row('cluster_abc123').waitFor();
    // The token is in this tab's session only: not in the address, not in the page.
    expect(page.url()).toBe(`${co.url}/`);
    expect(await page.content()).not.toContain(co.demoToken!);
    expect(await js(page, "sessionStorage.getItem('clusterops.token')")).toBe(co.demoToken);
    expect(await page.locator('tbody th a').allTextContents()).toEqual(['analytics', 'production', 'staging']);
    expect(await row('cluster_abc123').textContent()).toMatch(/DigitalOcean.*sfo3.*Kubernetes/);
    expect(await row('cluster_abc123').textContent()).toContain('$84.00/mo');

    const seen = new Map<string, string[]>();
    let shotWhileProvisioning = false;
    for (const until = Date.now() + 45_000; Date.now() < until; await sleep(100)) {
      for (const id of ['cluster_abc123', 'cluster_def456', 'cluster_ghi789']) {
        const s = await statusOf(id);
        const list = seen.get(id) ?? [];
        if (s && list.at(-1) !== s) list.push(s);
        seen.set(id, list);
      }
      if (!shotWhileProvisioning && seen.get('cluster_abc123')?.at(-1) === 'provisioning') {
        await screenshot(page, '02-overview-provisioning');
        shotWhileProvisioning = true;
      }
      if ([...seen.values()].every((l) => l.at(-1) === 'running')) break;
    }
    expect(seen.get('cluster_abc123')).toEqual(['provisioning', 'running']);
    expect(seen.get('cluster_ghi789')?.[0]).toBe('provisioning');
    expect(seen.get('cluster_ghi789')?.at(-1)).toBe('running');
    expect(seen.get('cluster_def456')?.at(-1)).toBe('running');
    expect(await row('cluster_ghi789').locator('td.num').textContent()).toBe('5/5');
    expect(await row('cluster_abc123').textContent()).toContain('3/3 nodes running');
    expect(await js(page, 'window.stayed')).toBe(true);
    await screenshot(page, '03-overview-running');
    // The filter narrows the list as you type and holds across live updates.
    await page.getByLabel('Filter clusters').fill('swarm');
    expect(await page.locator('tbody tr:visible th a').allTextContents()).toEqual(['staging']);
    await page.getByLabel('Filter clusters').fill('');
    expect(await page.locator('tbody tr:visible th a').allTextContents()).toEqual(['analytics', 'production', 'staging']);
  }, 60_000);

  it('opens a cluster from the keyboard and shows its nodes, conditions, events and manifest', async () => {
    // Tab through the page until the "production" link has focus, then follow it with Enter.
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      if ((await js(page, 'document.activeElement?.textContent')) === 'production') break;
    }
    expect(await js(page, "document.activeElement?.getAttribute('href')")).toBe('/clusters/cluster_abc123');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${co.url}/clusters/cluster_abc123`);
    await page.locator('h1', { hasText: 'production' }).waitFor();
    expect(await js(page, 'document.activeElement?.id')).toBe('page-title');
    const nodes = page.locator('#nodes tbody tr');
    await expect.poll(() => nodes.count()).toBe(3);
    expect((await nodes.allTextContents()).map((t) => t.replace(/\s+/g, ' '))).toEqual([
      expect.stringMatching(/^node_001managermedium127\.[\d.]+● runningready$/),
      expect.stringMatching(/^node_002workersmall127\.[\d.]+● runningready$/),
      expect.stringMatching(/^node_003workersmall127\.[\d.]+● runningready$/),
    ]);
    expect(await page.locator('#conditions').textContent()).toMatch(/ReadyTrueConverged/);
    expect(await page.locator('#events').textContent()).toContain('control plane initialised on node_001');
    expect(await page.locator('#manifest pre').textContent()).toContain('name: production\nprovider: digitalocean');
    expect(await page.locator('#manifest').textContent()).toMatch(/clusters\/production\.yaml at [0-9a-f]{7}/);
    expect(await page.locator('#access').textContent()).toContain('user_alice: manage');
    await screenshot(page, '04-cluster-production');
  });

  it('shows a node draining after a scale-down, live, and then gone', async () => {
    const node = co.store.cluster('cluster_abc123')!.status!.nodes.find((n) => n.id === 'node_003')!;
    // A pod guarded by a PodDisruptionBudget keeps the drain going until the test lifts it.
    co.hosts!.fleet.blockDrain(node.ip!, 'db-0');
    const res = await fetch(`${co.url}/api/cluster.removeNode`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${co.demoToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ clusterId: 'cluster_abc123', nodeId: 'node_003' }),
    });
    expect(res.status).toBe(200);
    const draining = page.locator('#nodes tr[data-node="node_003"] .badge', { hasText: 'draining' });
    await draining.waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('.reason-line').textContent(), { timeout: 10_000 }).toMatch(/^Draining: 2\/2 nodes running$/);
    expect(await page.locator('h1 .badge').textContent()).toContain('updating');
    await screenshot(page, '05-cluster-node-draining');
    co.hosts!.fleet.blockDrain(node.ip!, null);
    await page.locator('#nodes tr[data-node="node_003"]').waitFor({ state: 'detached', timeout: 20_000 });
    await page.locator('#events li', { hasText: 'drained node_003' }).waitFor();
    await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: 15_000 }).toContain('running');
  }, 60_000);

  it("never shows another organization's cluster, and each user sees only what they may read", async () => {
    await pushPartnerCluster(join(dataDir, 'remote.git'), join(dataDir, 'pat'));
    await co.daemon.pollNow();
    await expect.poll(() => co.daemon.desired().get('cluster_partner1')?.kind, { timeout: 15_000 }).toBe('valid');
    await page.locator('#nav a', { hasText: 'Clusters' }).click();
    await row('cluster_abc123').waitFor();
    await sleep(2_000); // two polls after the partner cluster arrived
    expect(await page.locator('tbody th a').allTextContents()).toEqual(['analytics', 'production', 'staging']);
    // A guessed address answers "not found", as the API does.
    await page.goto(`${co.url}/clusters/cluster_partner1`);
    await page.locator('h1', { hasText: 'Cluster not found' }).waitFor();
    await screenshot(page, '06-other-org-not-found');

    // Signing in again keeps the address: for eve, an admin of org_other, the same link shows the cluster.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(tokens.eve);
    await page.locator('h1', { hasText: 'partner' }).waitFor();
    await page.locator('#nav a', { hasText: 'Clusters' }).click();
    await row('cluster_partner1').waitFor();
    expect(await page.locator('tbody th a').allTextContents()).toEqual(['partner']);
    expect(await page.locator('#who-name').textContent()).toBe('user_eve · org_other (admin)');
    await screenshot(page, '07-other-org-user');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(tokens.bob);
    await row('cluster_ghi789').waitFor();
    // bob is a member of org_abc123 with a read grant on analytics only (example-repo).
    expect(await page.locator('tbody th a').allTextContents()).toEqual(['analytics']);
  }, 40_000);

  it('is usable on a phone: nothing wider than the screen, tables scroll on their own', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${co.url}/clusters/cluster_ghi789`);
    await page.locator('#nodes tbody tr').first().waitFor();
    expect(await js<number>(page, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, '08-phone-cluster');
    await page.goto(co.url);
    await row('cluster_ghi789').waitFor();
    expect(await js<number>(page, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, '09-phone-overview');
  });

  it('says the GitHub integration is off instead of showing an empty list of plans', async () => {
    const unchanged = page.waitForResponse((r) => r.url().endsWith('/ui/api/pulls') && r.status() === 304, { timeout: 10_000 });
    await page.getByRole('link', { name: 'Pull requests' }).click();
    await page.getByRole('status').filter({ hasText: 'The GitHub integration is off' }).waitFor();
    // The page keeps polling, and an unchanged answer comes back as 304 Not Modified (ETag).
    await unchanged;
  });

  it('ends the session when the token is revoked while the page is open', async () => {
    await co.accounts.revokeToken(tokens.bobId);
    await page.getByRole('alert').filter({ hasText: 'Your session ended: the token is no longer valid' }).waitFor({ timeout: 10_000 });
    expect(await js(page, "sessionStorage.getItem('clusterops.token')")).toBeNull();
    await screenshot(page, '10-session-ended');
  });

  it('ran without Content-Security-Policy violations, script errors or requests to other origins', () => {
    expect(problems).toEqual([]);
  });
});

async function pushPartnerCluster(remote: string, work: string): Promise<void> {
  execFileSync('git', ['clone', '-q', remote, work], { env: GIT_ENV });
  writeFileSync(join(work, 'clusters', 'partner.yaml'), PARTNER);
  execFileSync('git', ['add', '-A'], { cwd: work, env: GIT_ENV });
  execFileSync('git', ['commit', '-qm', 'partner: a cluster of another organization'], { cwd: work, env: GIT_ENV });
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('git', ['pull', '-q', '--rebase'], { cwd: work, env: GIT_ENV, stdio: 'pipe' });
      execFileSync('git', ['push', '-q'], { cwd: work, env: GIT_ENV, stdio: 'pipe' });
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}
