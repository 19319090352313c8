// mapQueryParams(): the query string parameters named in MyOperator's panel -> req.callEvent. Builds the event
// for GET webhooks and fills what a POSTed call log lacks; every parameter is kept in event.params.

import type { NextFunction, Request, RequestHandler, Response } from 'express';

import type { NormalizeOptions } from '../normalize/options';
import { describe, NORMALIZE_OPTION_KEYS, optionError, readNormalizeOptions, readOptions } from '../core/options';
import {
  applyQueryMapping,
  findQueryField,
  normalizeQuery,
  QUERY_FIELDS,
  type QueryFieldKey,
  type QueryFieldLabel,
  type ResolvedQueryMapping,
} from '../normalize/query';
import { isEmptyQuery, readQuery } from '../pipeline/query-string';

/** Query parameter name (as typed in the panel) -> field key or panel dropdown label (any case). */
export type QueryParamMapping = Readonly<Record<string, QueryFieldKey | QueryFieldLabel | (string & {})>>;

export interface MapQueryParamsOptions {
  /**
   * Country calling code for phone numbers sent without one.
   * @default '91'
   */
  defaultCountryCode?: string;
  /**
   * IANA time zone of zone-less date strings.
   * @default 'UTC'
   */
  timeZone?: string;
}

const FACTORY = 'mapQueryParams()';

/** Checks a mapping and resolves labels to fields, once. */
export function resolveQueryMapping(factory: string, mapping: unknown): ResolvedQueryMapping {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
    throw optionError(
      factory,
      `the mapping must be an object of query parameter name to field, got ${describe(mapping)}`,
    );
  }
  const resolved: Array<readonly [string, (typeof QUERY_FIELDS)[number]]> = [];
  for (const [parameter, target] of Object.entries(mapping as Record<string, unknown>)) {
    if (target === undefined) continue; // like every option object: undefined means absent
    const field = typeof target === 'string' ? findQueryField(target) : undefined;
    if (!field) {
      throw optionError(
        factory,
        `query parameter "${parameter}" maps to an unknown field ${JSON.stringify(target)} ` +
          `(fields: ${QUERY_FIELDS.map((row) => row.key).join(', ')}, or their panel labels)`,
      );
    }
    if (parameter === '') throw optionError(factory, 'a query parameter name must not be empty');
    resolved.push([parameter, field]);
  }
  const order = (row: (typeof QUERY_FIELDS)[number]): number => QUERY_FIELDS.indexOf(row);
  return resolved.sort((a, b) => order(a[1]) - order(b[1]));
}

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
  const normalizeOptions: NormalizeOptions = readNormalizeOptions(
    FACTORY,
    readOptions(FACTORY, options, NORMALIZE_OPTION_KEYS),
  );

  return function myOperatorMapQueryParams(req: Request, _res: Response, next: NextFunction): void {
    const params = readQuery(req);
    const event = req.callEvent;
    if (event) {
      if (!isEmptyQuery(params)) {
        event.params = params;
        applyQueryMapping(event, params, resolved, normalizeOptions);
      }
    } else {
      const built = normalizeQuery(params, resolved, normalizeOptions, new Date());
      if (built) req.callEvent = built;
    }
    next();
  };
}
