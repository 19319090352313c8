// The request's query string, read once per request from the URL as sent, the same way under Express 4 and 5
// (which parse req.query differently) and without ever assigning req.query (a getter in Express 5).

import { parse } from 'node:querystring';
import type { IncomingMessage } from 'node:http';

const cache = new WeakMap<IncomingMessage, Record<string, string>>();
const EMPTY: Record<string, string> = Object.freeze(Object.create(null) as Record<string, string>);

/** Whether `readQuery` found no parameter (its shared empty object, which must not be handed out). */
export function isEmptyQuery(params: Readonly<Record<string, string>>): boolean {
  return params === EMPTY;
}

/**
 * Every query parameter of the request, decoded, first value of a repeated name. The object has no prototype,
 * so a parameter named `__proto__` is an ordinary key. Frozen when empty; callers copy before changing it.
 */
export function readQuery(req: IncomingMessage): Record<string, string> {
  const url = req.url ?? '';
  const start = url.indexOf('?');
  if (start < 0 || start === url.length - 1) return EMPTY;
  let params = cache.get(req);
  if (params) return params;
  const parsed = parse(url.slice(start + 1)) as Record<string, string | string[] | undefined>;
  for (const key of Object.keys(parsed)) {
    const value = parsed[key];
    if (Array.isArray(value)) parsed[key] = value[0] ?? '';
  }
  params = parsed as Record<string, string>;
  cache.set(req, params);
  return params;
}
