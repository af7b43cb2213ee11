/**
 * GitHub refuses an issue comment body longer than 65,536 characters with 422 "Body is too long
 * (maximum is 65536 characters)". GitHub's REST reference does not state the number; its error
 * does (quoted in, e.g., github/issue-metrics#258). JavaScript's `length` counts UTF-16 code
 * units, never fewer than characters, so a body capped by `length` is within GitHub's limit.
 */
export const MAX_COMMENT_CHARS = 65_536;

/** Room kept for the closing fence and the truncation line. */
const TAIL_ROOM = 300;

/**
 * `body` as is when it fits; else its first lines (whole lines, an open code fence closed) and
 * one line saying how many lines were left out. The hidden marker on the first line survives,
 * so the comment is still found and edited in place.
 */
export function capComment(body: string, max = MAX_COMMENT_CHARS): string {
  if (body.length <= max) return body;
  const lines = body.split('\n');
  const kept: string[] = [];
  let size = 0;
  let fenceOpen = false;
  for (const line of lines) {
    if (size + line.length + 1 > max - TAIL_ROOM) break;
    kept.push(line);
    size += line.length + 1;
    if (line.startsWith('```')) fenceOpen = !fenceOpen;
  }
  const left = lines.length - kept.length;
  const tail = `… ${left} more lines left out: the comment is capped at GitHub's 65,536 characters. \`clusterops validate\` and \`clusterops plan\` on the branch show everything.`;
  return `${[...kept, ...(fenceOpen ? ['```'] : []), '', tail].join('\n')}\n`;
}
