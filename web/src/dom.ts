/** A child of `h`: text, an element, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false | Child[];

type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/**
 * Builds an element. Attributes named `on…` take listeners; `true` sets a boolean attribute,
 * `false`/null/undefined leaves it out. Text is always set as text (never parsed as HTML).
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces `root`'s content, keeping keyboard focus on the element with the same `data-key`
 * (a link or button the person had tabbed to) so live updates never throw them back to the top.
 */
export function replaceContent(root: HTMLElement, ...children: Child[]): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && root.contains(active) ? active.dataset.key : undefined;
  const caret = active instanceof HTMLInputElement ? ([active.selectionStart, active.selectionEnd] as const) : null;
  const scrolls = [...root.querySelectorAll<HTMLElement>('[data-key].scroll')].map((e) => [e.dataset.key, e.scrollLeft] as const);
  root.replaceChildren();
  append(root, children);
  for (const [k, left] of scrolls) {
    const again = root.querySelector<HTMLElement>(`[data-key="${CSS.escape(k ?? '')}"]`);
    if (again) again.scrollLeft = left;
  }
  const again = key ? root.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`) : null;
  again?.focus();
  if (again instanceof HTMLInputElement && caret && caret[0] !== null) again.setSelectionRange(caret[0], caret[1]);
}

/**
 * A table in a scrollable, focusable region (scrollable by keyboard). On a phone each row shows as
 * a card: every cell carries its column's name (`data-label`), which the stylesheet puts before it.
 */
export function table(key: string, caption: string, head: string[], rows: HTMLTableRowElement[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  for (const row of rows) [...row.cells].forEach((cell, i) => cell.setAttribute('data-label', head[i] ?? ''));
  return h(
    'div',
    { class: 'scroll', role: 'region', 'aria-label': caption, tabindex: 0, 'data-key': `scroll-${key}` },
    h('table', { class: 'cards' }, h('caption', {}, caption), h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows)),
  );
}
