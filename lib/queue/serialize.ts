// A CallEvent as a queue job carries it (JSON: times as ISO 8601 strings) and back, field by field and checked,
// so that a worker's handlers see the event the web process received; and the job id a de-duplication key becomes.

import {
  CALL_DIRECTIONS,
  CALL_STATUSES,
  createCallEvent,
  type CallAgent,
  type CallDepartment,
  type CallDirection,
  type CallEvent,
  type CallEventFormat,
  type CallRecording,
  type CallStatus,
  type PhoneNumber,
} from '../core/call-event';
import { isCallEventName, type CallEventName } from '../core/call-states';
import { isPlainObject } from '../core/values';
import { compactKey } from '../store/compact-key';
import type { SerializedCallEvent } from './call-queue';

/** The version of the serialised form, so that a worker refuses a job written in a form it does not know. */
export const SERIALIZED_CALL_EVENT_VERSION = 1;

const PREFIX = '[myoperator-webhooks] deserializeCallEvent:';

/** Why a job's data is not a serialised event; the message names the field, never its value. */
function notAnEvent(field: string, expected: string): TypeError {
  return new TypeError(`${PREFIX} "${field}" must be ${expected}`);
}

type Reader<T> = (value: unknown, field: string) => T;

const text: Reader<string> = (value, field) => {
  if (typeof value !== 'string') throw notAnEvent(field, 'a string');
  return value;
};

function nullable<T>(read: Reader<T>): Reader<T | null> {
  return (value, field) => (value === null ? null : read(value, field));
}

const finiteNumber: Reader<number> = (value, field) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw notAnEvent(field, 'a number or null');
  return value;
};

const date: Reader<Date> = (value, field) => {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw notAnEvent(field, 'an ISO 8601 time');
  return new Date(time);
};

/** A reader that accepts the keys of a table that the type system holds complete (a `Record` of the union). */
function oneOf<T extends string>(table: Readonly<Record<T, true>>, expected: string): Reader<T> {
  return (value, field) => {
    if (typeof value !== 'string' || !Object.hasOwn(table, value)) throw notAnEvent(field, expected);
    return value as T;
  };
}

// `Record<Union, true>`: adding a member to the union without adding it here fails to compile.
const FORMATS: Readonly<Record<CallEventFormat, true>> = {
  'incall-v1': true,
  query: true,
  'aftercall-v1': true,
  v2: true,
};
const DIRECTIONS = Object.fromEntries(CALL_DIRECTIONS.map((direction) => [direction, true])) as Readonly<
  Record<CallDirection, true>
>;
const STATUSES = Object.fromEntries(CALL_STATUSES.map((status) => [status, true])) as Readonly<
  Record<CallStatus, true>
>;

const eventName: Reader<CallEventName> = (value, field) => {
  if (!isCallEventName(value)) throw notAnEvent(field, 'a call event name');
  return value;
};

const textList: Reader<string[]> = (value, field) => {
  if (!Array.isArray(value)) throw notAnEvent(field, 'a list of strings');
  return value.map((item, index) => text(item, `${field}[${index}]`));
};

function objectWith(value: unknown, field: string, expected: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw notAnEvent(field, expected);
  return value;
}

const phoneNumber: Reader<PhoneNumber> = (value, field) => {
  const phone = objectWith(value, field, 'a phone number or null');
  return {
    raw: text(phone.raw, `${field}.raw`),
    e164: nullable(text)(phone.e164, `${field}.e164`),
    national: nullable(text)(phone.national, `${field}.national`),
    countryCode: nullable(text)(phone.countryCode, `${field}.countryCode`),
  };
};

const recording: Reader<CallRecording> = (value, field) => {
  const found = objectWith(value, field, 'a recording or null');
  return {
    filename: nullable(text)(found.filename, `${field}.filename`),
    url: nullable(text)(found.url, `${field}.url`),
  };
};

const department: Reader<CallDepartment> = (value, field) => {
  const found = objectWith(value, field, 'a department or null');
  return { id: nullable(text)(found.id, `${field}.id`), name: nullable(text)(found.name, `${field}.name`) };
};

const agents: Reader<CallAgent[]> = (value, field) => {
  if (!Array.isArray(value)) throw notAnEvent(field, 'a list of agents');
  return value.map((item, index) => {
    const at = `${field}[${index}]`;
    const agent = objectWith(item, at, 'an agent');
    return {
      id: nullable(text)(agent.id, `${at}.id`),
      name: nullable(text)(agent.name, `${at}.name`),
      email: nullable(text)(agent.email, `${at}.email`),
      extension: nullable(text)(agent.extension, `${at}.extension`),
      phone: nullable(phoneNumber)(agent.phone, `${at}.phone`),
    };
  });
};

/** The fields that are not read by a table row: `params` (its prototype travels apart) and `raw` (kept as it is). */
type SpecialField = 'params' | 'raw';

/**
 * How each other field comes back from JSON. The mapped type makes the table complete: a field added to
 * `CallEvent` without a reader here fails to compile.
 */
const READERS: { readonly [K in Exclude<keyof CallEvent, SpecialField>]-?: Reader<CallEvent[K]> } = {
  name: eventName,
  callState: nullable(finiteNumber),
  sequence: nullable(finiteNumber),
  uid: nullable(text),
  id: nullable(text),
  companyId: nullable(text),
  direction: nullable(oneOf(DIRECTIONS, 'a call direction or null')),
  status: nullable(oneOf(STATUSES, 'a call status or null')),
  caller: nullable(phoneNumber),
  serviceNumber: nullable(text),
  users: textList,
  userPhoneNumber: nullable(text),
  createdAt: nullable(date),
  callTime: nullable(date),
  referenceId: nullable(text),
  clientRefId: nullable(text),
  publicIvrId: nullable(text),
  jobId: nullable(text),
  startedAt: nullable(date),
  endedAt: nullable(date),
  durationSeconds: nullable(finiteNumber),
  recording: nullable(recording),
  department: nullable(department),
  agents,
  dialStatus: nullable(text),
  format: oneOf(FORMATS, 'a call event format'),
  receivedAt: date,
};

const READ_FIELDS = Object.keys(READERS) as Array<keyof typeof READERS>;
/** Every field, in the order of the table (serialised in this order). */
const FIELDS: ReadonlyArray<keyof CallEvent> = [...READ_FIELDS, 'params', 'raw'];
/** The fields `deserializeCallEvent` reads in its loop (`format` and `receivedAt` make the event first). */
const LOOP_FIELDS = READ_FIELDS.filter((field) => field !== 'format' && field !== 'receivedAt');

/**
 * A params object as the adapters build it: without a prototype (so a parameter named `__proto__` is an ordinary
 * key) when the original had none, else a plain object; keys are defined, never assigned through a setter.
 */
function readParams(value: unknown, hasNoPrototype: boolean): Record<string, string> {
  const source = objectWith(value, 'params', 'an object of strings');
  const params = (hasNoPrototype ? Object.create(null) : {}) as Record<string, string>;
  for (const key of Object.keys(source)) {
    Object.defineProperty(params, key, {
      value: text(source[key], 'params'),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return params;
}

/**
 * A `CallEvent` as a queue job carries it: a JSON-safe object (times as ISO 8601 strings, `raw` as it was, a
 * `v`ersion), which `deserializeCallEvent` turns back into an event equal to this one, field by field. For a
 * query-string event, whose `raw` is its `params` object, `raw` is not written twice.
 * Throws a TypeError for a `Date` field holding an invalid date (no normaliser builds one).
 * @example queue.enqueue(queueJobId(key), { event: serializeCallEvent(event), trace: null });
 */
export function serializeCallEvent(event: CallEvent): SerializedCallEvent {
  const serialized: SerializedCallEvent = { v: SERIALIZED_CALL_EVENT_VERSION };
  for (const field of FIELDS) {
    const value = event[field];
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) {
        throw new TypeError(`[myoperator-webhooks] serializeCallEvent: "${field}" is an invalid Date`);
      }
      serialized[field] = value.toISOString();
    } else if (field === 'raw' && value === event.params) {
      serialized.rawIsParams = true;
    } else {
      serialized[field] = value;
    }
  }
  if (Object.getPrototypeOf(event.params) === null) serialized.paramsHaveNoPrototype = true;
  return serialized;
}

/**
 * The event a job carries, from its data as `JSON.parse` gives it back: Dates revived, `params` with the
 * prototype it had, every field checked. Throws a TypeError naming the first field that is not what a
 * `CallEvent` holds (a job written by something else, or damaged), never echoing its value.
 * @example const event = deserializeCallEvent(job.data.event);
 */
export function deserializeCallEvent(data: unknown): CallEvent {
  if (!isPlainObject(data)) throw new TypeError(`${PREFIX} the job's event must be an object`);
  if (data.v !== SERIALIZED_CALL_EVENT_VERSION) {
    throw new TypeError(`${PREFIX} the job's event is not of version ${SERIALIZED_CALL_EVENT_VERSION} of the format`);
  }
  const params = readParams(data.params, data.paramsHaveNoPrototype === true);
  const raw = data.rawIsParams === true ? params : data.raw;
  const event = createCallEvent(
    READERS.format(data.format, 'format'),
    raw,
    READERS.receivedAt(data.receivedAt, 'receivedAt'),
  );
  event.params = params;
  const fields = event as unknown as Record<keyof CallEvent, unknown>;
  for (const field of LOOP_FIELDS) fields[field] = READERS[field](data[field], field);
  return event;
}

/** What `queueJobId` puts before an id, so that no id is integer-like (BullMQ refuses those as custom ids). */
const KEYED_ID_PREFIX = 'k_';
const RANDOM_ID_PREFIX = 'r_';

/**
 * The queue job id of an event: its de-duplication key, so that a redelivery while the event is queued or
 * running is not enqueued twice. BullMQ refuses custom ids that contain `:` (in most positions) or look like
 * integers, so `%` and `:` are percent-encoded (`%25`, `%3A`: distinct keys stay distinct ids) and a prefix
 * makes every id non-numeric; a key longer than 200 characters is first replaced by its SHA-256 (`compactKey`,
 * as the stores do), so ids stay short. The same key gives the same id in every process. An event with no key
 * (never de-duplicated) gets a random id.
 * @example queueJobId('n2.1596270949.2175190:incoming_call:1') // 'k_n2.1596270949.2175190%3Aincoming_call%3A1'
 */
export function queueJobId(key: string | null): string {
  if (key === null) return `${RANDOM_ID_PREFIX}${crypto.randomUUID()}`;
  return `${KEYED_ID_PREFIX}${compactKey(key).replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}
