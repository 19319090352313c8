// Query strings, read from the URL as sent, the same way by every adapter (Express 4 and 5 parse req.query
// differently, and the Fetch API's URLSearchParams differently again): the first value of a repeated name, no cap
// on the number of parameters (the URL's own size limit bounds them), and a prototype-less object, so a parameter
// named `__proto__` is an ordinary key.

import { decodeFormComponent } from './decode';

/** Query parameters: name -> the first value sent. */
export type QueryParams = Record<string, string>;

const EMPTY: QueryParams = Object.freeze(Object.create(null) as QueryParams);

/** Whether `parseQuery` found no parameter (its shared empty object, which must not be handed out). */
export function isEmptyQuery(params: Readonly<QueryParams>): boolean {
  return params === EMPTY;
}

/** The query string of a request URL (`/path?a=1` -> `a=1`); `''` when it has none. */
export function searchOf(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return '';
  const hash = url.indexOf('#', start);
  return hash < 0 ? url.slice(start + 1) : url.slice(start + 1, hash);
}

/** The path of a request URL, without its query. */
export function pathOf(url: string): string {
  const end = url.indexOf('?');
  return end < 0 ? url : url.slice(0, end);
}

/**
 * Every parameter of a query string, decoded. Frozen and shared when empty (see `isEmptyQuery`); callers copy
 * before changing it.
 */
export function parseQuery(search: string): QueryParams {
  if (search === '') return EMPTY;
  const params = Object.create(null) as QueryParams;
  let found = false;
  let start = 0;
  while (start <= search.length) {
    let end = search.indexOf('&', start);
    if (end < 0) end = search.length;
    if (end > start) {
      const equals = search.indexOf('=', start);
      const hasValue = equals >= 0 && equals < end;
      const name = decodeFormComponent(search.slice(start, hasValue ? equals : end));
      if (!(name in params)) {
        params[name] = hasValue ? decodeFormComponent(search.slice(equals + 1, end)) : '';
        found = true;
      }
    }
    start = end + 1;
  }
  return found ? params : EMPTY;
}
