// mapQueryParams(): the query string parameters named in MyOperator's panel -> req.callEvent. Builds the event
// for GET webhooks and fills what a POSTed call log lacks; every parameter is kept in event.params.

import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { readOptions } from '../core/options';
import { NORMALIZE_OPTION_KEYS, readNormalizeOptions, type NormalizeSettings } from '../normalize/options';
import { queryOfRequest } from '../node/handler';
import { resolveQueryMapping, withQuery, type QueryParamMapping } from '../pipeline/query-mapping';

/** The options of `mapQueryParams()`: how values are read. */
export type MapQueryParamsOptions = NormalizeSettings;

const FACTORY = 'mapQueryParams()';

/**
 * Reads the query parameters named in MyOperator's panel into `req.callEvent`.
 *
 * @example
 * mapQueryParams({ caller_number: 'callerNumber', state: 'Call state', uid: 'uid' })
 */
export function mapQueryParams(
  mapping: QueryParamMapping,
  options: Readonly<MapQueryParamsOptions> = {},
): RequestHandler {
  const resolved = resolveQueryMapping(FACTORY, mapping);
  const normalize = readNormalizeOptions(FACTORY, readOptions(FACTORY, options, NORMALIZE_OPTION_KEYS));

  return function myOperatorMapQueryParams(req: Request, _res: Response, next: NextFunction): void {
    const event = withQuery(req.callEvent ?? null, queryOfRequest(req), resolved, normalize, new Date());
    if (event !== null) req.callEvent = event;
    next();
  };
}

export type { QueryParamMapping };
