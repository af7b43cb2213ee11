import { isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml';
import { YAML_OPTIONS } from './parse.js';
import type { Permission, PlanName, Role } from './types.js';

/**
 * One change to a manifest. Edits work on the YAML Document, so comments, key order and
 * blank lines of a hand-written file survive (only the spacing before `#` is normalised).
 */
export type ManifestEdit =
  | { op: 'set'; field: 'id' | 'name' | 'region' | 'apiVersion' | 'organizationId'; value: string }
  | { op: 'unset'; field: 'id' | 'apiVersion' | 'access' }
  /** Sets a node group's count, adding the group (at the end) when there is none of that role and plan. */
  | { op: 'setGroupCount'; role: Role; plan: PlanName; count: number }
  /** Drops a node group. */
  | { op: 'removeGroup'; role: Role; plan: PlanName }
  /** Lists a node under the group's `remove:` (once). */
  | { op: 'appendRemove'; role: Role; plan: PlanName; nodeId: string }
  /** Adds a grant, or changes the permission of the user's existing grant. */
  | { op: 'setAccess'; userId: string; permission: Permission }
  | { op: 'removeAccess'; userId: string };

export type EditResult = { ok: true; text: string; changed: boolean } | { ok: false; message: string };

/** Where keys go when a field is added: the manifest's documented order. */
const KEY_ORDER = ['apiVersion', 'id', 'organizationId', 'name', 'provider', 'region', 'orchestrator', 'nodes', 'access'];

/** Applies edits to manifest text and returns the new text; the input is never partially edited. */
export function editManifest(text: string, edits: ManifestEdit[]): EditResult {
  const doc = parseDocument(text, YAML_OPTIONS);
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    return { ok: false, message: 'the manifest is not a valid YAML mapping; fix it before editing' };
  }
  for (const edit of edits) {
    const problem = applyEdit(doc, doc.contents, edit);
    if (problem) return { ok: false, message: problem };
  }
  const out = doc.toString({ lineWidth: 0, flowCollectionPadding: false, indentSeq: detectIndentSeq(text) });
  return { ok: true, text: out, changed: out !== text };
}

function applyEdit(doc: Document, root: YAMLMap, edit: ManifestEdit): string | null {
  switch (edit.op) {
    case 'set':
      setOrdered(doc, root, edit.field, edit.value);
      return null;
    case 'unset':
      root.delete(edit.field);
      return null;
    case 'setGroupCount': {
      const group = findGroup(root, edit.role, edit.plan);
      if (group) group.set('count', edit.count);
      else nodesSeq(doc, root).add(doc.createNode({ role: edit.role, plan: edit.plan, count: edit.count }));
      return null;
    }
    case 'removeGroup': {
      const seq = root.get('nodes');
      if (isSeq(seq)) seq.items = seq.items.filter((i) => !(isMap(i) && i.get('role') === edit.role && i.get('plan') === edit.plan));
      return null;
    }
    case 'appendRemove': {
      const group = findGroup(root, edit.role, edit.plan);
      if (!group) return `there is no ${edit.role} group of plan ${edit.plan}`;
      const list = group.get('remove');
      if (isSeq(list)) {
        if (!list.items.some((i) => isScalar(i) && i.value === edit.nodeId)) list.add(doc.createNode(edit.nodeId));
      } else {
        const seq = doc.createNode([edit.nodeId]) as YAMLSeq;
        seq.flow = true;
        group.set('remove', seq);
      }
      return null;
    }
    case 'setAccess': {
      const grant = findGrant(root, edit.userId);
      if (grant) grant.set('permission', edit.permission);
      else accessSeq(doc, root).add(doc.createNode({ userId: edit.userId, permission: edit.permission }));
      return null;
    }
    case 'removeAccess': {
      const seq = root.get('access');
      if (!isSeq(seq)) return null;
      seq.items = seq.items.filter((i) => !(isMap(i) && i.get('userId') === edit.userId));
      if (seq.items.length === 0) root.delete('access');
      return null;
    }
  }
}

/** Sets a top-level field; a new field is placed where the documented key order puts it. */
function setOrdered(doc: Document, root: YAMLMap, field: string, value: string): void {
  if (root.has(field)) {
    root.set(field, value);
    return;
  }
  const rank = KEY_ORDER.indexOf(field);
  const index = root.items.findIndex((p) => {
    const k = isScalar(p.key) ? String(p.key.value) : '';
    const r = KEY_ORDER.indexOf(k);
    return r > rank;
  });
  const pair = doc.createPair(field, value);
  if (index < 0) root.items.push(pair);
  else root.items.splice(index, 0, pair);
  // A comment above the old first key describes the file (schema line, owner): keep it on top.
  const next = root.items[1]?.key;
  if (index === 0 && isScalar(next) && isScalar(pair.key) && next.commentBefore) {
    pair.key.commentBefore = next.commentBefore;
    next.commentBefore = undefined;
  }
}

function findGroup(root: YAMLMap, role: Role, plan: PlanName): YAMLMap | undefined {
  const seq = root.get('nodes');
  if (!isSeq(seq)) return undefined;
  return seq.items.find((i): i is YAMLMap => isMap(i) && i.get('role') === role && i.get('plan') === plan);
}

function findGrant(root: YAMLMap, userId: string): YAMLMap | undefined {
  const seq = root.get('access');
  if (!isSeq(seq)) return undefined;
  return seq.items.find((i): i is YAMLMap => isMap(i) && i.get('userId') === userId);
}

function nodesSeq(doc: Document, root: YAMLMap): YAMLSeq {
  const seq = root.get('nodes');
  if (isSeq(seq)) return seq;
  const created = doc.createNode([]) as YAMLSeq;
  setOrderedNode(root, 'nodes', created, doc);
  return created;
}

function accessSeq(doc: Document, root: YAMLMap): YAMLSeq {
  const seq = root.get('access');
  if (isSeq(seq)) return seq;
  const created = doc.createNode([]) as YAMLSeq;
  setOrderedNode(root, 'access', created, doc);
  return created;
}

function setOrderedNode(root: YAMLMap, field: string, node: YAMLSeq, doc: Document): void {
  setOrdered(doc, root, field, '');
  root.set(field, node);
}

/**
 * Whether block sequences are indented under their key. `yaml` cannot keep the style per
 * sequence, so the file's own habit (its first block sequence) decides.
 */
export function detectIndentSeq(text: string): boolean {
  const m = /^( *)[^\s#-][^\n]*:[ \t]*(#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)- /m.exec(text);
  if (!m) return true;
  return (m[3] ?? '').length > (m[1] ?? '').length;
}
