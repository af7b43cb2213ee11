import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { FieldPath } from './field-path.js';
import type { Position } from './types.js';

/**
 * Finds where a field sits in a parsed YAML document. For a field that is absent, the
 * deepest existing ancestor is used, so "x is required" points at the mapping that lacks it.
 */
export function positionOf(doc: Document, lines: LineCounter, path: FieldPath, key = false): Position {
  let node: unknown = doc.contents;
  let found: Node | null = isNode(node) ? node : null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (!pair) break;
      const last = seg === path[path.length - 1];
      const target = key && last ? pair.key : pair.value;
      node = target;
      if (isNode(target)) found = target;
      else if (isNode(pair.key)) found = pair.key as Node;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (isNode(node)) found = node;
      else if (isPair(node)) break;
      else break;
    } else {
      break;
    }
  }
  const offset = found?.range?.[0] ?? 0;
  const p = lines.linePos(offset);
  return { line: p.line, column: p.col };
}
