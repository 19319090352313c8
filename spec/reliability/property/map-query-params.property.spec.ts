// Property-based tests of mapQueryParams(): whatever the query string and the panel mapping, the middleware calls
// next() once without an error, builds a well-typed CallEvent (or none), keeps every parameter in event.params,
// lets the call log win over the query, and touches no prototype.

import type { NextFunction, Request, Response } from 'express';
import fc from 'fast-check';

import { mapQueryParams, normalizePayload, QUERY_FIELDS, type CallEvent, type QueryParamMapping } from '../../../lib';
import { buildInCallLog } from '../../../lib/testing';
import { DANGEROUS_KEYS, objectFromEntries, queryString, weirdString } from '../helpers/arbitraries';
import { callEventProblems } from '../helpers/call-event-checker';
import { pollutedProperties } from '../helpers/contract';
import { propertyParameters, timeoutMs } from '../helpers/mode';
import { guardEveryTest } from '../helpers/process-guard';

const PARAMETER_NAMES = ['caller_number', 'state', 'uid', 'created', 'event', 'status', 'agent', ...DANGEROUS_KEYS];

/** A panel mapping: parameter names (dangerous ones too) -> field keys or labels in any case. */
const mapping: fc.Arbitrary<QueryParamMapping> = fc
  .array(
    fc.tuple(
      fc.constantFrom(...PARAMETER_NAMES),
      fc.tuple(fc.constantFrom(...QUERY_FIELDS), fc.boolean(), fc.boolean()).map(([row, byLabel, upper]) => {
        const name = byLabel ? row.label : row.key;
        return upper ? name.toUpperCase() : name;
      }),
    ),
    { maxLength: 8 },
  )
  .map((entries) => objectFromEntries(entries) as QueryParamMapping);

/** A query string that uses the mapped names (with weird values), or anything at all. */
const query: fc.Arbitrary<string> = fc.oneof(
  queryString,
  fc
    .array(fc.tuple(fc.constantFrom(...PARAMETER_NAMES), weirdString), { maxLength: 8 })
    .map((pairs) =>
      pairs.map(([name, value]) => `${name}=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, ''))}`).join('&'),
    ),
);

interface Outcome {
  nextCalls: unknown[][];
  event: CallEvent | undefined;
}

/** Runs the middleware on a bare request for `url`, as Express would hand it over. */
function run(middleware: ReturnType<typeof mapQueryParams>, url: string, event?: CallEvent): Outcome {
  const req = { url, method: 'GET', headers: {}, callEvent: event } as unknown as Request;
  const nextCalls: unknown[][] = [];
  const next = ((...args: unknown[]) => {
    nextCalls.push(args);
  }) as NextFunction;
  void middleware(req, {} as unknown as Response, next);
  return { nextCalls, event: req.callEvent };
}

/**
 * The first value of each pair whose name and value need no decoding: what event.params must hold for them. A `#`
 * starts the URL's fragment, which is never part of its query.
 */
function plainPairs(search: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const seen = new Set<string>();
  const hash = search.indexOf('#');
  const parts = (hash < 0 ? search : search.slice(0, hash)).split('&');
  if (parts.length > 1000) return pairs;
  for (const part of parts) {
    const equals = part.indexOf('=');
    const name = equals < 0 ? part : part.slice(0, equals);
    const value = equals < 0 ? '' : part.slice(equals + 1);
    const plain = /^[\w.~-]+$/.test(name) && /^[\w.~-]*$/.test(value);
    // Only the first occurrence counts; an encoded name may decode to a plain one, so skip those searches.
    if (!plain && /[%+]/.test(name)) return new Map();
    if (plain && !seen.has(name)) pairs.set(name, value);
    seen.add(name);
  }
  return pairs;
}

describe('mapQueryParams() (property-based)', () => {
  guardEveryTest({ prototypes: true });

  it(
    'calls next() once without an error and builds a well-typed query event (or none) from any query string',
    () => {
      fc.assert(
        fc.property(mapping, query, (panel, search) => {
          const { nextCalls, event } = run(mapQueryParams(panel), search === '' ? '/hook' : `/hook?${search}`);
          if (nextCalls.length !== 1 || (nextCalls[0] ?? []).length !== 0) return false;
          if (event === undefined) return true;
          const problems = callEventProblems(event);
          if (problems.length > 0) throw new Error(problems.join('; '));
          if (event.format !== 'query' || event.raw !== event.params) return false;
          for (const [name, value] of plainPairs(search)) {
            if (event.params[name] !== value)
              throw new Error(`params[${name}] is ${String(event.params[name])}, sent ${value}`);
          }
          return true;
        }),
        propertyParameters(400),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'lets the call log win: fields the log has keep their values whatever the query says',
    () => {
      fc.assert(
        fc.property(mapping, query, (panel, search) => {
          const fromLog = normalizePayload(buildInCallLog({ call_state: '6', status: '1' }));
          const before = { ...fromLog, params: undefined, raw: undefined };
          const { nextCalls, event } = run(mapQueryParams(panel), `/hook?${search}`, fromLog);
          if (nextCalls.length !== 1 || event !== fromLog) return false;
          const problems = callEventProblems(event);
          if (problems.length > 0) throw new Error(problems.join('; '));
          for (const [key, value] of Object.entries(before)) {
            if (value !== null && key !== 'params' && key !== 'raw') {
              const now = (event as unknown as Record<string, unknown>)[key];
              if (JSON.stringify(now) !== JSON.stringify(value)) throw new Error(`${key} changed`);
            }
          }
          return true;
        }),
        propertyParameters(300),
      );
    },
    timeoutMs(30_000),
  );

  it('keeps __proto__, constructor and prototype parameters as plain strings without polluting anything', () => {
    const panel = objectFromEntries([
      ['__proto__', 'uid'],
      ['constructor', 'callState'],
    ]) as QueryParamMapping;
    const { event } = run(mapQueryParams(panel), '/hook?__proto__=n2.1.1&constructor=6&prototype[polluted]=1');
    expect([
      event?.uid,
      event?.name,
      event?.params.__proto__,
      event?.params['prototype[polluted]'],
      pollutedProperties(),
    ]).toEqual(['n2.1.1', 'user_answered', 'n2.1.1', '1', []]);
  });
});
