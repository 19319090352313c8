// Finding the call log in a request body: a form field `myoperator` (URL-encoded, or raw JSON as `curl -d` sends
// it), a JSON body (the log itself, `{"myoperator": {...}}` or `{"myoperator": "<json>"}`), or a body an app-level
// parser already decoded. Transport-free: every adapter hands it the body's text or the decoded value.

import { MyOperatorWebhookError } from '../core/errors';
import { isPlainObject } from '../core/values';
import { formFieldCandidates } from './form-body';

/** What a request's `Content-Type` says about its body. */
export type MediaKind = 'form' | 'json' | 'none' | 'other';

/** The kind of a `Content-Type` header, matched loosely (`; charset=...` is fine). */
export function mediaKind(header: string | null | undefined): MediaKind {
  if (header === undefined || header === null || header === '') return 'none';
  const semicolon = header.indexOf(';');
  const type = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'application/json' || type === 'text/json' || type.endsWith('+json')) return 'json';
  return 'other';
}

/** The methods MyOperator's GET webhooks (and probes) use without a body: their data is in the query string. */
export const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new MyOperatorWebhookError('invalid_json', { cause });
  }
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

function missing(): MyOperatorWebhookError {
  return new MyOperatorWebhookError('missing_call_log');
}

/** A decoded value that holds the call log: the log itself, or a string of it (`{myoperator: "<json>"}`). */
function payloadOf(value: unknown): unknown {
  if (value === undefined || value === null) throw missing();
  if (typeof value !== 'string') return value;
  if (isBlank(value)) throw missing();
  return parseJson(value);
}

/** The call log inside a decoded body: an object from JSON, or from an earlier form parser. */
export function callLogFromDecoded(body: unknown, kind: MediaKind, field: string): unknown {
  if (isPlainObject(body) && Object.hasOwn(body, field)) return payloadOf(body[field]);
  if (kind === 'form') throw missing();
  return typeof body === 'string' ? payloadOf(body) : body;
}

function fromForm(text: string, field: string): unknown {
  const candidates = formFieldCandidates(text, field);
  if (candidates.length === 0) {
    // A raw JSON body sent with the form type (`curl -d '{...}'`).
    if (text.trimStart().startsWith('{')) return callLogFromDecoded(parseJson(text), 'json', field);
    throw missing();
  }
  if (isBlank(candidates[0] as string)) throw missing();
  let failure: unknown;
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch (error) {
      failure ??= error;
    }
  }
  throw new MyOperatorWebhookError('invalid_json', { cause: failure });
}

/** The call log in a body's text, read as its media kind says (a body without a type is sniffed). */
export function callLogFromText(text: string, kind: MediaKind, field: string): unknown {
  if (isBlank(text)) throw missing();
  const json = kind === 'json' || (kind === 'none' && /^\s*[[{"]/.test(text));
  return json ? callLogFromDecoded(parseJson(text), 'json', field) : fromForm(text, field);
}

/**
 * The call log in a form field that an app-level parser (`express.urlencoded()`) decoded before the webhook saw
 * the body: when the decoding broke it (a raw `&` inside a value, `+` turned into spaces), the answer names the
 * fix instead of a bare `invalid_json` that the sender would retry forever.
 */
export function callLogFromAppDecodedForm(body: unknown, field: string): unknown {
  try {
    return callLogFromDecoded(body, 'form', field);
  } catch (error) {
    if (error instanceof MyOperatorWebhookError && error.code === 'invalid_json') {
      throw new MyOperatorWebhookError('invalid_json', { hint: 'decoded_by_app_parser', cause: error.cause });
    }
    throw error;
  }
}
