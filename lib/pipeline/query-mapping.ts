// A panel query mapping (`mapQueryParams(mapping)`, `queryParams`) checked once, and applied per request: it
// builds the event of a GET webhook, or fills what a POSTed call log lacks.

import type { CallEvent } from '../core/call-event';
import { describe, optionError } from '../core/options';
import type { NormalizeOptions } from '../normalize/options';
import {
  applyQueryMapping,
  findQueryField,
  normalizeQuery,
  QUERY_FIELDS,
  type QueryFieldKey,
  type QueryFieldLabel,
  type ResolvedQueryMapping,
} from '../normalize/query';
import { isEmptyQuery, type QueryParams } from './query-string';

/** Query parameter name (as typed in the panel) -> field key or panel dropdown label (any case). */
export type QueryParamMapping = Readonly<Record<string, QueryFieldKey | QueryFieldLabel | (string & {})>>;

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
 * The event after the query string: `event` with `params` and the mapped fields it lacks, or, without a call log,
 * a `format: 'query'` event when a mapped parameter is set; `null` when there is neither.
 */
export function withQuery(
  event: CallEvent | null,
  params: Readonly<QueryParams>,
  mapping: ResolvedQueryMapping,
  options: NormalizeOptions,
  receivedAt: Date,
): CallEvent | null {
  if (event === null) return mapping.length === 0 ? null : normalizeQuery(params, mapping, options, receivedAt);
  if (!isEmptyQuery(params)) {
    event.params = params;
    if (mapping.length > 0) applyQueryMapping(event, params, mapping, options);
  }
  return event;
}
