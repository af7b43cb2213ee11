import type { ClusterDetailView, OverviewView, PullsView, SessionView } from '../../src/dashboard/types.js';
import { forgetAnswers, load, session, type Answer } from './api.js';
import { h, replaceContent } from './dom.js';
import { clusterPage } from './pages/cluster.js';
import { heading, notice } from './pages/common.js';
import { loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';
import { pullsPage } from './pages/pulls.js';
import './style.css';

/** How often the open page asks for news (a 304 costs almost nothing). */
const POLL_MS = 1500;

const main = document.getElementById('main')!;
const live = document.getElementById('live')!;
const freshness = document.getElementById('freshness')!;
let user: SessionView | null = null;
/** Bumped at each navigation, so an answer for a page already left is dropped. */
let generation = 0;
let timer: number | undefined;
let lastStatuses = new Map<string, string>();

type Route = { page: 'overview' } | { page: 'cluster'; id: string } | { page: 'pulls' } | { page: 'missing' };

function route(path = location.pathname): Route {
  if (path === '/') return { page: 'overview' };
  if (path === '/pull-requests') return { page: 'pulls' };
  const m = /^\/clusters\/([^/]+)$/.exec(path);
  return m ? { page: 'cluster', id: decodeURIComponent(m[1]!) } : { page: 'missing' };
}

/** Signs in: checks the token against the server before keeping it. Returns a problem to show, or null. */
async function signIn(token: string): Promise<string | null> {
  const answer = await load<SessionView>('session', token);
  if (!answer.ok) return answer.status === 401 ? 'That token is not valid: it may be revoked or mistyped. Check it and try again.' : `Cannot sign in: ${answer.message}`;
  session.save(token);
  user = answer.data;
  showUser();
  void show(true);
  return null;
}

function signOut(message: { text: string; kind: 'error' | 'info' } | null = null): void {
  session.clear();
  forgetAnswers();
  user = null;
  window.clearTimeout(timer);
  generation++;
  freshness.hidden = true;
  showUser();
  document.title = 'Sign in · clusterops';
  replaceContent(main, loginPage(signIn, message));
  main.querySelector<HTMLInputElement>('#token')?.focus();
}

function showUser(): void {
  document.getElementById('nav')!.hidden = !user;
  document.getElementById('who')!.hidden = !user;
  const orgs = user?.organizations.map((o) => `${o.id} (${o.role})`).join(', ') ?? '';
  document.getElementById('who-name')!.textContent = user ? `${user.userId} · ${orgs}` : '';
}

/** Loads and renders the current page, then polls it; `navigated` moves focus to the new heading. */
async function show(navigated: boolean): Promise<void> {
  window.clearTimeout(timer);
  const mine = ++generation;
  const r = route();
  markNav(r);
  if (r.page === 'missing') {
    render(mine, navigated, 'Not found', [heading('Page not found'), h('p', {}, h('a', { href: '/' }, 'Back to the clusters'))]);
    return;
  }
  const answer = await fetchPage(r);
  if (mine !== generation) return;
  if (!answer.ok && answer.status === 401) return signOut({ text: 'Your session ended: the token is no longer valid. Sign in again.', kind: 'error' });
  if (!answer.ok && answer.status === 404 && r.page === 'cluster') {
    render(mine, navigated, 'Cluster not found', [heading('Cluster not found'), notice('error', `There is no cluster ${r.id} that you may see.`), h('p', {}, h('a', { href: '/', 'data-key': 'back' }, 'Back to the clusters'))]);
  } else if (!answer.ok) {
    setLive(answer.message);
    showFreshness(answer.message);
    if (navigated) render(mine, navigated, 'Unavailable', [heading('Unavailable'), notice('error', answer.message)]);
  } else if (answer.changed || navigated) {
    const [title, content] = pageOf(r, answer.data);
    render(mine, navigated, title, content);
  }
  if (answer.ok) showFreshness(null);
  timer = window.setTimeout(() => void show(false), document.hidden ? POLL_MS * 4 : POLL_MS);
}

function fetchPage(r: Route): Promise<Answer<unknown>> {
  if (r.page === 'cluster') return load<ClusterDetailView>(`clusters/${encodeURIComponent(r.id)}`);
  if (r.page === 'pulls') return load<PullsView>('pulls');
  return load<OverviewView>('clusters');
}

function pageOf(r: Route, data: unknown): [string, HTMLElement[]] {
  if (r.page === 'cluster') {
    const c = data as ClusterDetailView;
    announce([[c.name, c.status]]);
    return [c.name, clusterPage(c)];
  }
  if (r.page === 'pulls') return ['Pull requests', pullsPage(data as PullsView)];
  const o = data as OverviewView;
  announce(o.clusters.map((c) => [c.name, c.status]));
  return ['Clusters', overviewPage(o)];
}

function render(mine: number, navigated: boolean, title: string, content: HTMLElement[]): void {
  if (mine !== generation) return;
  document.title = `${title} · clusterops`;
  replaceContent(main, ...content);
  if (navigated) main.querySelector<HTMLElement>('#page-title')?.focus();
}

/** Tells screen readers when a cluster changes status (not at every poll). */
function announce(statuses: [string, string][]): void {
  const changes = statuses.filter(([name, status]) => lastStatuses.has(name) && lastStatuses.get(name) !== status).map(([name, status]) => `${name} is now ${status}`);
  for (const [name, status] of statuses) lastStatuses.set(name, status);
  if (changes.length > 0) setLive(changes.join('. '));
}

/** A visible line saying the page is live (and when it last heard from clusterops), or that it cannot reach it. */
function showFreshness(problem: string | null): void {
  freshness.hidden = false;
  freshness.className = problem ? 'stale' : 'fresh';
  freshness.textContent = problem ? `Not up to date: ${problem}` : `Live · updated ${new Date().toLocaleTimeString()}`;
}

function setLive(text: string): void {
  live.textContent = text;
}

function markNav(r: Route): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    const current = (a.pathname === '/' && (r.page === 'overview' || r.page === 'cluster')) || (a.pathname === '/pull-requests' && r.page === 'pulls');
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/** Same-origin links navigate without reloading (plain clicks only: new tabs and downloads work as usual). */
document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target || a.origin !== location.origin) return;
  if (a.getAttribute('href')?.startsWith('#')) return;
  e.preventDefault();
  if (!user) return;
  if (a.pathname !== location.pathname) history.pushState(null, '', a.pathname);
  lastStatuses = new Map();
  void show(true);
});
window.addEventListener('popstate', () => {
  if (user) void show(true);
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && user) void show(false);
});
document.getElementById('sign-out')!.addEventListener('click', () => signOut({ text: 'You signed out: this tab no longer holds your token.', kind: 'info' }));

/** Start: resume this tab's session if it has a token that still works, else the sign-in form. */
async function start(): Promise<void> {
  const token = session.token();
  if (!token) return signOut();
  const answer = await load<SessionView>('session', token);
  if (!answer.ok) return signOut({ text: answer.status === 401 ? 'Your session ended: the token is no longer valid. Sign in again.' : answer.message, kind: 'error' });
  user = answer.data;
  showUser();
  await show(true);
}

void start();
