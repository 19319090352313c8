// Every answer the webhook gives, as status + fixed body + headers, computed once: the success answers and one
// per error code (and per hint). Only an `invalid_call_log` with its `details` is serialised per request.

import { ERROR_CODES, MyOperatorWebhookError, type ErrorCode } from '../core/errors';

/** One HTTP answer, ready to write. */
export interface Answer {
  readonly status: number;
  /** What `responses_total` counts it as: `ok`, `duplicate`, `pending`, or the error code. */
  readonly code: string;
  /** The JSON body, as UTF-8 bytes. */
  readonly body: Uint8Array;
  /** The same body as text (Node writes a text body in one go with its headers; bytes go in a second chunk). */
  readonly text: string;
  /** Extra headers beside `Content-Type` and `Content-Length` (the Basic challenge, `Retry-After`). */
  readonly headers: Readonly<Record<string, string>> | null;
}

const encoder = new TextEncoder();

function answer(status: number, code: string, json: string, headers: Answer['headers'] = null): Answer {
  return Object.freeze({ status, code, body: encoder.encode(json), text: json, headers });
}

/** `200 {"ok":true}`, `200 {"ok":true,"duplicate":true}`, `202 {"ok":true,"pending":true}`. */
export const ANSWERS = {
  ok: answer(200, 'ok', '{"ok":true}'),
  duplicate: answer(200, 'duplicate', '{"ok":true,"duplicate":true}'),
  pending: answer(202, 'pending', '{"ok":true,"pending":true}'),
} as const;

/** The body of an error answer. */
function errorJson(code: string, message: string, details?: unknown): string {
  const payload: { code: string; message: string; details?: unknown } = { code, message };
  if (details !== undefined) payload.details = details;
  return JSON.stringify({ error: payload });
}

const INTERNAL_ERROR = answer(500, 'internal_error', errorJson('internal_error', ERROR_CODES.internal_error.message));
const byMessage = new Map<string, Answer>();

function headersKey(headers: Readonly<Record<string, string>> | undefined): string {
  return headers === undefined ? '' : JSON.stringify(headers);
}

/**
 * The answer to an error: its status, code, fixed message (and `details`), and its headers. Anything that is not
 * one of the package's errors is a bug, answered `500 internal_error` without a word of what it said.
 */
export function errorAnswer(error: unknown): Answer {
  if (!(error instanceof MyOperatorWebhookError)) return INTERNAL_ERROR;
  const { code, message, status, details, headers } = error;
  if (details !== undefined) return answer(status, code, errorJson(code, message, details), headers ?? null);
  const key = `${code}\n${message}\n${headersKey(headers)}`;
  let cached = byMessage.get(key);
  if (cached === undefined) {
    // The messages are fixed per code and the headers are the package's own (challenge, Retry-After): a bounded set.
    cached = answer(status, code, errorJson(code, message), headers ?? null);
    byMessage.set(key, cached);
  }
  return cached;
}

/** The answer for a code, with its fixed message. */
export function answerFor(code: ErrorCode): Answer {
  return errorAnswer(new MyOperatorWebhookError(code));
}
