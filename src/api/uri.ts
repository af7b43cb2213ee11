import type Koa from 'koa';
import { ApiError } from './errors.js';

/**
 * A URL whose percent-encoding does not decode (`%`, `%zz`, `%E0%A4%A` — a truncated UTF-8
 * sequence) is the client's mistake on every route, so it is refused here, before routing, with
 * the one error envelope: no route ever meets a `decodeURIComponent` that throws (a 500), and a
 * query string is never silently "repaired" into another value by Node's lenient parser.
 */
export function rejectMalformedUri(): Koa.Middleware {
  return async (ctx, next) => {
    const [path = '', query = ''] = splitTarget(ctx.url);
    decodeComponent(path, 'path');
    for (const part of query.split('&')) for (const piece of part.split('=')) decodeComponent(piece.replace(/\+/g, ' '), 'query string');
    await next();
  };
}

/** `decodeURIComponent` that answers 400 instead of throwing a URIError (for one path segment). */
export function decodeSegment(segment: string): string {
  return decodeComponent(segment, 'path');
}

function decodeComponent(text: string, where: 'path' | 'query string'): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ApiError('BAD_REQUEST', `the request's ${where} is not valid percent-encoding (each % must start an escape of UTF-8 bytes, e.g. %2F; write a literal % as %25)`);
  }
}

function splitTarget(url: string): [string, string] {
  const i = url.indexOf('?');
  return i === -1 ? [url, ''] : [url.slice(0, i), url.slice(i + 1)];
}
