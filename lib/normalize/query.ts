// The query string parameter fields of MyOperator's panel (its dropdown), and how each fills a CallEvent.
// Framework-neutral: map-query-params.ts is the Express adapter.

import { createCallEvent, type CallEvent } from '../core/call-event';
import { callEventNameForState } from '../core/call-states';
import { toUserNumbers } from './agents';
import type { NormalizeOptions } from './options';
import { toPhoneNumber } from './phone';
import { toDate } from './time';
import { toCallStatus, toDirection, toInteger, toNumberText, toText } from './values';

type Fill = (event: CallEvent, value: string, options: NormalizeOptions) => void;

/** Sets a field only where the event has no value yet: the call log wins over the query string. */
function fillWith<K extends keyof CallEvent>(key: K, read: (value: string) => CallEvent[K]): Fill {
  return (event, value) => {
    if (event[key] === null) event[key] = read(value);
  };
}

/** The panel's query parameter fields, in the panel's order. */
export const QUERY_FIELDS = [
  {
    key: 'callerNumber',
    label: 'Caller number with country code',
    fill: ((event, value, options) => {
      if (event.caller === null) event.caller = toPhoneNumber(value, options.defaultCountryCode);
    }) as Fill,
  },
  {
    key: 'callerNumberRaw',
    label: 'Caller number without country code',
    fill: ((event, value, options) => {
      if (event.caller === null) event.caller = toPhoneNumber(value, options.defaultCountryCode);
    }) as Fill,
  },
  {
    key: 'createdAt',
    label: 'Creation date of log (epoch)',
    fill: ((event, value, options) => {
      if (event.createdAt === null) event.createdAt = toDate(value, options.timeZone);
    }) as Fill,
  },
  { key: 'direction', label: 'Event of log', fill: fillWith('direction', toDirection) },
  { key: 'status', label: 'Status of log', fill: fillWith('status', toCallStatus) },
  {
    key: 'callState',
    label: 'Call state',
    fill: ((event, value) => {
      if (event.callState !== null) return;
      event.callState = toInteger(value);
      if (event.name === 'unknown') event.name = callEventNameForState(event.callState);
    }) as Fill,
  },
  { key: 'uid', label: 'UID', fill: fillWith('uid', toText) },
  { key: 'companyId', label: 'Company ID', fill: fillWith('companyId', toText) },
  { key: 'serviceNumber', label: 'Service number', fill: fillWith('serviceNumber', toNumberText) },
  {
    key: 'userPhoneNumber',
    label: "User's phone number",
    // The answering agent's number as sent, and (when the log names no agents) `users` by their one rule.
    fill: ((event, value, options) => {
      event.userPhoneNumber ??= toNumberText(value);
      if (event.users.length === 0) event.users = toUserNumbers([value], options.defaultCountryCode);
    }) as Fill,
  },
  { key: 'referenceId', label: 'Reference ID', fill: fillWith('referenceId', toText) },
  { key: 'clientRefId', label: 'Client reference ID', fill: fillWith('clientRefId', toText) },
  { key: 'publicIvrId', label: 'IVR ID', fill: fillWith('publicIvrId', toText) },
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
