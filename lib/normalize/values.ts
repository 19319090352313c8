// Tolerant readers for single values: MyOperator sends numbers as strings and strings as numbers, uses `""` or
// `null` for absent values, and words or digits for enums. Each reader returns `null` for anything absent.

import type { CallDirection, CallStatus } from '../core/call-event';
import { isCountryCode, restorePlus } from './phone';

/** A non-empty string (trimmed) from a string or a finite number. */
export function toText(value: unknown): string | null {
  if (typeof value === 'string') {
    const text = value.trim();
    return text === '' ? null : text;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** An integer from a number or a numeric string (`"6"`). */
export function toInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return /^-?\d{1,15}$/.test(text) ? Number(text) : null;
}

/** A non-negative number from a number or a numeric string (`"0.65"`). */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return /^-?\d+(?:\.\d+)?$/.test(text) ? Number(text) : null;
}

/** MyOperator's v1 code of each direction (in-call `event`, after-call `_ev`). */
export const DIRECTION_CODES = { incoming: '1', outgoing: '2' } as const satisfies Record<CallDirection, string>;

/** MyOperator's v1 code of each call status (in-call `status`, after-call `_su`). */
export const CALL_STATUS_CODES = { connected: '1', missed: '2', voicemail: '3' } as const satisfies Record<
  CallStatus,
  string
>;

/** Codes and words (lower case) -> value: the codes above, the values themselves, and the other words in use. */
function lookup<T extends string>(
  codes: Readonly<Record<T, string>>,
  words: Readonly<Record<string, T>>,
): Map<string, T> {
  const map = new Map<string, T>();
  for (const [value, code] of Object.entries(codes) as [T, string][]) {
    map.set(code, value);
    map.set(value, value);
  }
  for (const [word, value] of Object.entries(words)) map.set(word, value);
  return map;
}

const DIRECTIONS = lookup<CallDirection>(DIRECTION_CODES, { inbound: 'incoming', outbound: 'outgoing' });
// v2's `bridged` is connected; results that some payloads put in place of a status.
const STATUSES = lookup<CallStatus>(CALL_STATUS_CODES, {
  bridged: 'connected',
  answered: 'connected',
  not_answered: 'missed',
});

/** `1` / `"1"` / `"Incoming"` -> incoming; `2` / `"2"` / `"Outgoing"` -> outgoing. */
export function toDirection(value: unknown): CallDirection | null {
  return DIRECTIONS.get(toText(value)?.toLowerCase() ?? '') ?? null;
}

/** `1` connected, `2` missed, `3` voicemail, by number or by word (v2's `bridged` is connected). */
export function toCallStatus(value: unknown): CallStatus | null {
  return STATUSES.get(toText(value)?.toLowerCase() ?? '') ?? null;
}

/** A list of strings from an array or a comma-separated string (`users`). */
export function toTextList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const list: string[] = [];
  for (const item of items) {
    const text = toText(item);
    if (text !== null) list.push(text);
  }
  return list;
}

/** A phone-like string kept as text, with a `+` lost to form decoding restored; `"unknown"` is absent. */
export function toNumberText(value: unknown): string | null {
  const text = typeof value === 'string' ? restorePlus(value) : value;
  const result = toText(text);
  return result === null || result.toLowerCase() === 'unknown' ? null : result;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/**
 * The entries of a list of objects, however it arrived: an array; `null` or absent (empty); a single object
 * (one entry); or a map with numbered keys, `{"0": {...}, "1": {...}}`, which PHP's `json_encode` writes for an
 * array whose keys are not 0..n-1 (in key order). Entries that are not objects are left out.
 */
export function toObjectList<T extends object>(
  value: readonly T[] | T | Readonly<Record<string, T>> | null | undefined,
): T[] {
  if (Array.isArray(value)) return (value as readonly unknown[]).filter(isObject) as T[];
  if (!isObject(value)) return [];
  const keys = Object.keys(value);
  if (keys.length > 0 && !keys.every((key) => /^\d+$/.test(key))) return [value as T];
  const map = value as Readonly<Record<string, unknown>>;
  return keys.map((key) => map[key]).filter(isObject) as T[];
}

/** A country calling code without its `+` (`"91"`, `"+91"`, `91`); `null` when absent or not a known code. */
export function toCountryCode(value: unknown): string | null {
  const text = toText(typeof value === 'string' ? restorePlus(value) : value);
  if (text === null) return null;
  const digits = text.replace(/^(?:\+|00)/, '');
  return isCountryCode(digits) ? digits : null;
}

/**
 * The items of a list without repeats, keeping the first of each key; items whose key is `null` are all kept.
 * @example uniqueBy(agents, (agent) => agent.id)
 */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string | null): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const value = key(item);
    if (value === null) return true;
    if (seen.has(value)) return false;
    seen.add(value);
    return true;
  });
}
