// The query string parameter fields of MyOperator's panel (its dropdown): how each fills a CallEvent, and how
// each is encoded from one (what MyOperator puts in the query string). Framework-neutral: map-query-params.ts is
// the Express adapter; the testing kit and the simulator encode with the same rows.

import { createCallEvent, type CallEvent } from '../core/call-event';
import { callEventNameForState } from '../core/call-states';
import { toUserNumbers } from './agents';
import type { NormalizeOptions } from './options';
import { toPhoneNumber } from './phone';
import { toDate } from './time';
import { toCallStatus, toDirection, toInteger, toNumberText, toText } from './values';

type Fill = (event: CallEvent, value: string, options: NormalizeOptions) => void;

/** The value MyOperator puts in the query string for this field, from an event; `null` when it has none. */
type Encode = (event: CallEvent) => string | null;

type TextKey = 'uid' | 'companyId' | 'serviceNumber' | 'referenceId' | 'clientRefId' | 'publicIvrId';

/** Encodes a text field as it is. */
function textOf(key: TextKey): Encode {
  return (event) => event[key];
}

/** `connected` -> `Connected`, as the panel sends the words. */
const capitalized = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** Sets a field only where the event has no value yet: the call log wins over the query string. */
function fillWith<K extends keyof CallEvent>(key: K, read: (value: string) => CallEvent[K]): Fill {
  return (event, value) => {
    if (event[key] === null) event[key] = read(value);
  };
}

/** The panel's query parameter fields, in the panel's order: each fills an event and encodes one. */
export const QUERY_FIELDS = [
  {
    key: 'callerNumber',
    label: 'Caller number with country code',
    fill: ((event, value, options) => {
      if (event.caller === null) event.caller = toPhoneNumber(value, options.defaultCountryCode);
    }) as Fill,
    encode: ((event) => event.caller?.e164 ?? event.caller?.raw ?? null) as Encode,
  },
  {
    key: 'callerNumberRaw',
    label: 'Caller number without country code',
    fill: ((event, value, options) => {
      if (event.caller === null) event.caller = toPhoneNumber(value, options.defaultCountryCode);
    }) as Fill,
    encode: ((event) => event.caller?.national ?? event.caller?.raw ?? null) as Encode,
  },
  {
    key: 'createdAt',
    label: 'Creation date of log (epoch)',
    fill: ((event, value, options) => {
      if (event.createdAt === null) event.createdAt = toDate(value, options.timeZone);
    }) as Fill,
    encode: ((event) => {
      const time = event.createdAt ?? event.startedAt ?? event.callTime;
      return time ? String(Math.floor(time.getTime() / 1000)) : null;
    }) as Encode,
  },
  {
    key: 'direction',
    label: 'Event of log',
    fill: fillWith('direction', toDirection),
    encode: ((event) => (event.direction === null ? null : capitalized(event.direction))) as Encode,
  },
  {
    key: 'status',
    label: 'Status of log',
    fill: fillWith('status', toCallStatus),
    encode: ((event) => (event.status === null ? null : capitalized(event.status))) as Encode,
  },
  {
    key: 'callState',
    label: 'Call state',
    fill: ((event, value) => {
      if (event.callState !== null) return;
      event.callState = toInteger(value);
      if (event.name === 'unknown') event.name = callEventNameForState(event.callState);
    }) as Fill,
    encode: ((event) => (event.callState === null ? null : String(event.callState))) as Encode,
  },
  { key: 'uid', label: 'UID', fill: fillWith('uid', toText), encode: textOf('uid') },
  { key: 'companyId', label: 'Company ID', fill: fillWith('companyId', toText), encode: textOf('companyId') },
  {
    key: 'serviceNumber',
    label: 'Service number',
    fill: fillWith('serviceNumber', toNumberText),
    encode: textOf('serviceNumber'),
  },
  {
    key: 'userPhoneNumber',
    label: "User's phone number",
    // The answering agent's number as sent, and (when the log names no agents) `users` by their one rule.
    fill: ((event, value, options) => {
      event.userPhoneNumber ??= toNumberText(value);
      if (event.users.length === 0) event.users = toUserNumbers([value], options.defaultCountryCode);
    }) as Fill,
    // The in-call log names the agent's number; the after-call and v2 logs carry it in their agents.
    encode: ((event) =>
      event.userPhoneNumber ?? event.agents[0]?.phone?.national ?? event.users[0]?.slice(-10) ?? null) as Encode,
  },
  { key: 'referenceId', label: 'Reference ID', fill: fillWith('referenceId', toText), encode: textOf('referenceId') },
  {
    key: 'clientRefId',
    label: 'Client reference ID',
    fill: fillWith('clientRefId', toText),
    encode: textOf('clientRefId'),
  },
  { key: 'publicIvrId', label: 'IVR ID', fill: fillWith('publicIvrId', toText), encode: textOf('publicIvrId') },
] as const;

/** A call-event field a query parameter can be mapped to. */
export type QueryFieldKey = (typeof QUERY_FIELDS)[number]['key'];

/** A panel dropdown label. */
export type QueryFieldLabel = (typeof QUERY_FIELDS)[number]['label'];

type FieldRow = (typeof QUERY_FIELDS)[number];

const byKeyOrLabel = new Map<string, FieldRow>();
for (const row of QUERY_FIELDS) {
  byKeyOrLabel.set(row.key.toLowerCase(), row);
  byKeyOrLabel.set(row.label.toLowerCase(), row);
}

/** The field row for a key or a panel label, compared case-insensitively; `undefined` for anything else. */
export function findQueryField(keyOrLabel: string): FieldRow | undefined {
  return byKeyOrLabel.get(keyOrLabel.trim().toLowerCase());
}

/** A resolved mapping: query parameter name -> field, in the panel's field order. */
export type ResolvedQueryMapping = ReadonlyArray<readonly [parameter: string, field: FieldRow]>;

/** Fills `event` from the mapped parameters (the call log wins where it has a value). */
export function applyQueryMapping(
  event: CallEvent,
  params: Readonly<Record<string, string>>,
  mapping: ResolvedQueryMapping,
  options: NormalizeOptions,
): void {
  for (const [parameter, field] of mapping) {
    const value = params[parameter];
    if (value !== undefined && value !== '') field.fill(event, value, options);
  }
}

/** A `format: 'query'` event from the query string alone (GET webhooks); `null` if no mapped parameter is set. */
export function normalizeQuery(
  params: Readonly<Record<string, string>>,
  mapping: ResolvedQueryMapping,
  options: NormalizeOptions,
  receivedAt: Date,
): CallEvent | null {
  if (!mapping.some(([parameter]) => params[parameter] !== undefined && params[parameter] !== '')) return null;
  const event = createCallEvent('query', params, receivedAt);
  event.params = params;
  applyQueryMapping(event, params, mapping, options);
  return event;
}
