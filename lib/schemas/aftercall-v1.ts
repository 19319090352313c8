// The after-call call log with short keys (MyOperator's after-call webhook). Only the fields the normaliser reads
// are checked; unknown keys are tolerated, and the lists also arrive as a single object or a numbered map.

import { scalar } from './common';

/** Keys only the after-call log carries; any one of them identifies the format. */
export const AFTER_CALL_KEYS = [
  '_ai',
  '_pm',
  '_ld',
  '_ci',
  '_cl',
  '_cr',
  '_st',
  '_ms',
  '_su',
  '_ev',
  '_dr',
  '_fn',
] as const;

type Scalar = string | number | null;

/**
 * A list of `T` as MyOperator's PHP side may encode it: an array, a single object, a numbered map
 * (`{"0": {...}}`) or null.
 */
export type AfterCallList<T> = T[] | T | Record<string, T> | null;

/** An entry of `_pm`: `{ky, vl}`; the one whose `ky` is `ui` holds the call's uid. */
export interface AfterCallParam {
  ky?: Scalar;
  vl?: Scalar;
  [key: string]: unknown;
}

/** An agent of a leg (`_ld[]._rr[]`). */
export interface AfterCallAgent {
  _id?: Scalar;
  _na?: Scalar;
  _em?: Scalar;
  _ex?: Scalar;
  /** 10-digit phone. */
  _ct?: Scalar;
  /** E.164 phone. */
  _nr?: Scalar;
  [key: string]: unknown;
}

/** A leg of the call (`_ld[]`): one attempt to reach agents. */
export interface AfterCallLeg {
  _ds?: Scalar;
  _su?: Scalar;
  _ac?: Scalar;
  _rr?: AfterCallList<AfterCallAgent>;
  [key: string]: unknown;
}

/** The after-call log as it may arrive. */
export interface AfterCallLog {
  _ai?: Scalar;
  _ci?: Scalar;
  _cl?: Scalar;
  _cr?: Scalar;
  _cy?: Scalar;
  _ev?: Scalar;
  _su?: Scalar;
  _st?: Scalar;
  _ms?: Scalar;
  _et?: Scalar;
  _ts?: Scalar;
  _dr?: Scalar;
  _fn?: Scalar;
  _fu?: Scalar;
  _dn?: Scalar;
  _di?: Scalar;
  _ri?: Scalar;
  _ji?: Scalar;
  _ivid?: Scalar;
  _cri?: Scalar;
  _pm?: AfterCallList<AfterCallParam>;
  _ld?: AfterCallList<AfterCallLeg>;
  [key: string]: unknown;
}

/** The schema of a list of `item` objects, in every encoding `AfterCallList` names. */
function listOf<S extends object>(item: S) {
  return {
    anyOf: [
      { type: 'array', items: item },
      { type: 'null' },
      { type: 'object', propertyNames: { pattern: '^[0-9]+$' }, additionalProperties: item },
      { ...item, propertyNames: { not: { pattern: '^[0-9]+$' } } },
    ],
  } as const;
}

const param = { type: 'object', properties: { ky: scalar, vl: scalar } } as const;

const agent = {
  type: 'object',
  properties: { _id: scalar, _na: scalar, _em: scalar, _ex: scalar, _ct: scalar, _nr: scalar },
} as const;

const leg = {
  type: 'object',
  properties: { _ds: scalar, _su: scalar, _ac: scalar, _rr: listOf(agent) },
} as const;

export const afterCallV1Schema = {
  $id: 'myoperator-aftercall-v1',
  type: 'object',
  properties: {
    _ai: scalar,
    _ci: scalar,
    _cl: scalar,
    _cr: scalar,
    _cy: scalar,
    _ev: scalar,
    _su: scalar,
    _st: scalar,
    _ms: scalar,
    _et: scalar,
    _ts: scalar,
    _dr: scalar,
    _fn: scalar,
    _fu: scalar,
    _dn: scalar,
    _di: scalar,
    _ri: scalar,
    _ji: scalar,
    _ivid: scalar,
    _cri: scalar,
    _pm: listOf(param),
    _ld: listOf(leg),
  },
} as const;
