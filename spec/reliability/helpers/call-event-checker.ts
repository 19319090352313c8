// A run-time check of the CallEvent type: every field present, of its declared type, `null` (never `undefined`)
// when absent, Dates valid, lists arrays, PhoneNumber consistent. Property specs call it on every event built.

import { CALL_EVENTS, CALL_EVENT_NAMES, createCallEvent, type CallEvent } from '../../../lib';

const FORMATS = ['incall-v1', 'query', 'aftercall-v1', 'v2'];
const DIRECTIONS = ['incoming', 'outgoing'];
const STATUSES = ['connected', 'missed', 'voicemail'];
const EVENT_KEYS = Object.keys(createCallEvent('query', null, new Date())).sort();
const TEXT_FIELDS = [
  'uid',
  'id',
  'companyId',
  'serviceNumber',
  'userPhoneNumber',
  'referenceId',
  'clientRefId',
  'publicIvrId',
  'jobId',
  'dialStatus',
] as const;
const DATE_FIELDS = ['createdAt', 'callTime', 'startedAt', 'endedAt'] as const;
const NAME_BY_STATE = new Map<number, string>(
  CALL_EVENTS.filter((row) => row.callState !== null).map((row) => [row.callState as number, row.name]),
);

type Problems = string[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(path: string, value: Record<string, unknown>, keys: readonly string[], problems: Problems): void {
  const actual = Object.keys(value).sort();
  if (actual.join() !== [...keys].sort().join()) {
    problems.push(`${path} has keys [${actual.join()}], expected [${[...keys].sort().join()}]`);
  }
}

function checkText(path: string, value: unknown, problems: Problems): void {
  if (value !== null && typeof value !== 'string') problems.push(`${path} must be string | null, got ${typeof value}`);
}

function checkDate(path: string, value: unknown, problems: Problems, nullable = true): void {
  if (value === null && nullable) return;
  if (!(value instanceof Date)) problems.push(`${path} must be a Date${nullable ? ' | null' : ''}`);
  else if (Number.isNaN(value.getTime())) problems.push(`${path} is an invalid Date`);
}

/** The problems of one PhoneNumber (or `null`). */
function checkPhone(path: string, value: unknown, problems: Problems): void {
  if (value === null) return;
  if (!isRecord(value)) {
    problems.push(`${path} must be a PhoneNumber | null`);
    return;
  }
  checkKeys(path, value, ['raw', 'e164', 'national', 'countryCode'], problems);
  const { raw, e164, national, countryCode } = value;
  if (typeof raw !== 'string') problems.push(`${path}.raw must be a string`);
  for (const [name, part] of [
    ['e164', e164],
    ['national', national],
    ['countryCode', countryCode],
  ] as const) {
    checkText(`${path}.${name}`, part, problems);
  }
  const parts = [e164, national, countryCode];
  if (parts.some((part) => part === null) && !parts.every((part) => part === null)) {
    problems.push(`${path}: e164, national and countryCode must be all null or all set`);
  }
  if (typeof e164 === 'string') {
    if (!/^\+\d{5,15}$/.test(e164)) problems.push(`${path}.e164 ${JSON.stringify(e164)} is not E.164`);
    if (e164 !== `+${String(countryCode)}${String(national)}`) problems.push(`${path}.e164 != +countryCode national`);
  }
}

/** Every way `value` fails to be a CallEvent; empty when it is one. */
export function callEventProblems(value: unknown): string[] {
  const problems: Problems = [];
  if (!isRecord(value)) return ['not an object'];
  checkKeys('event', value, EVENT_KEYS, problems);
  const event = value as Partial<Record<keyof CallEvent, unknown>>;
  for (const key of EVENT_KEYS) {
    if (value[key] === undefined) problems.push(`${key} is undefined`);
  }
  if (!CALL_EVENT_NAMES.includes(event.name as CallEvent['name'])) problems.push(`name ${String(event.name)}`);
  if (event.callState !== null && !Number.isInteger(event.callState))
    problems.push('callState must be an integer | null');
  if (typeof event.callState === 'number' && (event.format === 'incall-v1' || event.format === 'query')) {
    const expected = NAME_BY_STATE.get(event.callState) ?? 'unknown';
    if (event.name !== expected) problems.push(`callState ${event.callState} named ${String(event.name)}`);
  }
  for (const key of TEXT_FIELDS) checkText(key, event[key], problems);
  for (const key of DATE_FIELDS) checkDate(key, event[key], problems);
  checkDate('receivedAt', event.receivedAt, problems, false);
  if (event.direction !== null && !DIRECTIONS.includes(event.direction as string)) problems.push('direction');
  if (event.status !== null && !STATUSES.includes(event.status as string)) problems.push('status');
  if (!FORMATS.includes(event.format as string)) problems.push(`format ${String(event.format)}`);
  checkPhone('caller', event.caller, problems);
  if (!Array.isArray(event.users) || !event.users.every((user) => typeof user === 'string')) {
    problems.push('users must be string[]');
  }
  if (
    event.durationSeconds !== null &&
    !(typeof event.durationSeconds === 'number' && Number.isFinite(event.durationSeconds) && event.durationSeconds >= 0)
  ) {
    problems.push('durationSeconds must be a finite number >= 0 | null');
  }
  if (event.recording !== null) {
    if (!isRecord(event.recording)) problems.push('recording must be an object | null');
    else {
      checkKeys('recording', event.recording, ['filename', 'url'], problems);
      checkText('recording.filename', event.recording.filename, problems);
      checkText('recording.url', event.recording.url, problems);
    }
  }
  if (event.department !== null) {
    if (!isRecord(event.department)) problems.push('department must be an object | null');
    else {
      checkKeys('department', event.department, ['id', 'name'], problems);
      checkText('department.id', event.department.id, problems);
      checkText('department.name', event.department.name, problems);
    }
  }
  if (!Array.isArray(event.agents)) problems.push('agents must be an array');
  else {
    (event.agents as unknown[]).forEach((agent, index) => {
      const path = `agents[${index}]`;
      if (!isRecord(agent)) {
        problems.push(`${path} must be an object`);
        return;
      }
      checkKeys(path, agent, ['id', 'name', 'email', 'extension', 'phone'], problems);
      for (const key of ['id', 'name', 'email', 'extension']) checkText(`${path}.${key}`, agent[key], problems);
      checkPhone(`${path}.phone`, agent.phone, problems);
    });
  }
  if (!isRecord(event.params)) problems.push('params must be an object');
  else {
    for (const key of Object.keys(event.params)) {
      if (typeof event.params[key] !== 'string') problems.push(`params.${key} must be a string`);
    }
  }
  if (!('raw' in value)) problems.push('raw is missing');
  return problems;
}

/** Throws, listing the problems, unless `value` is a CallEvent. */
export function assertCallEvent(value: unknown): asserts value is CallEvent {
  const problems = callEventProblems(value);
  if (problems.length > 0) throw new Error(`not a CallEvent: ${problems.join('; ')}`);
}
