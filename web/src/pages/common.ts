import type { ClusterStatus, MoneyView, NodeStatus } from '../../../src/dashboard/types.js';
import { h } from '../dom.js';
import { ago, shortSha, when } from '../format.js';

/** Status shapes: colour is never the only signal (the word and a shape go with it). */
const ICONS: Record<string, string> = {
  running: '●',
  ready: '●',
  provisioning: '◔',
  updating: '◔',
  draining: '◑',
  deleting: '◌',
  degraded: '▲',
  unhealthy: '▲',
  'not-ready': '▲',
  'not-joined': '○',
  error: '✖',
  success: '✔',
  pending: '◔',
  failure: '✖',
};

export function badge(status: ClusterStatus | NodeStatus | string): HTMLElement {
  return h('span', { class: `badge s-${status}` }, h('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[status] ?? '●'), ` ${status}`);
}

export function timeAgo(iso: string | null, empty = '—'): HTMLElement | string {
  return iso ? h('time', { datetime: iso, title: when(iso) }, ago(iso)) : empty;
}

export function revision(rev: { sha: string; committedAt: string | null } | null): HTMLElement | string {
  if (!rev) return '—';
  return h('span', { class: 'rev' }, h('code', { title: rev.sha }, shortSha(rev.sha)), rev.committedAt ? [' · ', timeAgo(rev.committedAt)] : null);
}

export function money(m: MoneyView): HTMLElement {
  return h('span', { class: 'num' }, m.text, h('span', { class: 'unit' }, '/mo'));
}

/** A page heading that receives focus on navigation, so screen readers announce the new page. */
export function heading(text: string, ...extra: (HTMLElement | string | null)[]): HTMLElement {
  return h('h1', { tabindex: -1, id: 'page-title' }, text, ...extra);
}

export function notice(kind: 'error' | 'info', text: string): HTMLElement {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
