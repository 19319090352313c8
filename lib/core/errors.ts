// The package's errors: one base class with an HTTP status and a machine-readable code, one subclass per concept.
// Messages are fixed per code (a few codes have a second fixed wording that names the fix), so no response or log
// ever carries request data, a handler's exception text or a credential.

import type { CallEvent } from './call-event';

/**
 * Every error code: its HTTP status, its fixed message, and when it happens. The one table behind the error
 * responses, `ERROR_STATUS` and the README's error table.
 */
export const ERROR_CODES = {
  missing_call_log: {
    status: 400,
    message: 'The request body has no MyOperator call log',
    when: 'a POST whose body has no call log (or a body that could not be read)',
  },
  invalid_json: { status: 400, message: 'The call log is not valid JSON', when: 'the call log is not JSON' },
  missing_call_event: {
    status: 400,
    message: 'No call event was built from this request',
    when: 'the dispatcher ran with no `req.callEvent` (a GET webhook without `queryParams`)',
  },
  unauthorized: {
    status: 401,
    message: 'Missing or invalid credentials',
    when: 'a configured credential is missing or wrong',
  },
  not_found: {
    status: 404,
    message: 'No MyOperator webhook at this path',
    when: 'the node or fetch handler got a request for another `path` and has no `next`',
  },
  payload_too_large: { status: 413, message: 'The request body is larger than the limit', when: 'body over `limit`' },
  unsupported_media_type: {
    status: 415,
    message: 'The request body must be a form or JSON',
    when: 'a body that is neither form nor JSON (or in an encoding or charset that cannot be read)',
  },
  invalid_call_log: {
    status: 422,
    message: 'The call log is not a valid MyOperator call log (see details)',
    when: 'decoded, but fails the schema; `details` lists the failing paths',
  },
  handler_failed: {
    status: 500,
    message: 'A call event handler failed',
    when: "a handler failed and `onHandlerError` is `'respond-500'` (the sender delivers again)",
  },
  internal_error: {
    status: 500,
    message: 'Internal server error',
    when: 'an unexpected throw inside the package: must never happen (the fuzz specs hold it to that)',
  },
  shutting_down: {
    status: 503,
    message: 'The webhook is shutting down: deliver again later',
    when: '`calls.close()` was called; sent with `Retry-After`, so the sender retries',
  },
  store_failed: {
    status: 500,
    message: 'The call store failed; the event was handled without de-duplication',
    when: 'never answered: given to `onError` (`StoreError`) while the handlers run anyway',
  },
  queue_failed: {
    status: 500,
    message: 'The queue could not take the event; its handlers ran in this process',
    when: 'never answered: given to `onError` (`QueueError`) while the handlers run in the web process',
  },
} as const satisfies Record<string, { status: number; message: string; when: string }>;

/** A machine-readable error code, found in `error.code` of every error response and on every error. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status of every error code. */
export const ERROR_STATUS = Object.freeze(
  Object.fromEntries(Object.entries(ERROR_CODES).map(([code, entry]) => [code, entry.status])),
) as { readonly [C in ErrorCode]: (typeof ERROR_CODES)[C]['status'] };

/** The codes a sender can receive (`store_failed` and `queue_failed` only reach `onError`). */
export const RESPONSE_ERROR_CODES: readonly ErrorCode[] = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
  (code) => code !== 'store_failed' && code !== 'queue_failed',
);

/**
 * Second fixed wordings, for cases where the first would leave a user guessing. Still no request data.
 */
export const ERROR_HINTS = {
  /** The body could not be read (bad gzip, an aborted upload). */
  unreadable_body: 'The request body could not be read',
  /** An app-level body parser ran first and its decoding broke the call log. */
  decoded_by_app_parser:
    'The call log is not valid JSON after an app-level body parser decoded it: mount the webhook before ' +
    'express.urlencoded(), or keep the raw body as req.rawBody (see the README)',
  /** A GET (query-only) webhook reached the dispatcher without a query mapping. */
  no_query_mapping:
    'No call event was built from this request: a GET webhook carries only query parameters, so set ' +
    'queryParams to the mapping configured in the MyOperator panel',
} as const;

/** A name of one of the second wordings. */
export type ErrorHint = keyof typeof ERROR_HINTS;

/** One failing place in a call log that did not pass validation. */
export interface ValidationDetail {
  /** JSON pointer of the failing value, `''` for the whole log. */
  path: string;
  message: string;
}

export interface MyOperatorWebhookErrorOptions {
  /** One of the second fixed wordings instead of the code's message. */
  hint?: ErrorHint;
  details?: ValidationDetail[];
  cause?: unknown;
  /** Headers to send with the error response (the Basic challenge, `Retry-After`). */
  headers?: Record<string, string>;
}

/** Every error the package gives to `next(err)`, rejects with, or reports to `onError`. */
export class MyOperatorWebhookError extends Error {
  override readonly name: string = 'MyOperatorWebhookError';
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Same as `status`, for error handlers that read `statusCode`. */
  readonly statusCode: number;
  readonly code: ErrorCode;
  /** Whether `message` is safe to send to the client (true for every 4xx and for `shutting_down`). */
  readonly expose: boolean;
  /** The failing paths of an `invalid_call_log`. */
  declare readonly details?: ValidationDetail[];
  /** Headers that belong to the response (`WWW-Authenticate`, `Retry-After`). */
  declare readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, options: MyOperatorWebhookErrorOptions = {}) {
    const entry = ERROR_CODES[code] as (typeof ERROR_CODES)[ErrorCode] | undefined;
    if (entry === undefined) throw new TypeError(`[myoperator-webhooks] unknown error code ${JSON.stringify(code)}`);
    const message = options.hint === undefined ? entry.message : ERROR_HINTS[options.hint];
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = entry.status;
    this.statusCode = entry.status;
    this.expose = entry.status < 500 || code === 'shutting_down';
    if (options.details !== undefined) this.details = options.details;
    if (options.headers !== undefined) this.headers = options.headers;
  }
}

/** Where a failed handler ran: in the process that received the event, or in a queue worker. */
export interface HandlerErrorAttempt {
  /** This attempt, 1-based. */
  attempt: number;
  /** The most attempts the job gets. */
  attempts: number;
}

/** Why handlers failed: every handler error, gathered, with the event they failed on. */
export class HandlerError extends MyOperatorWebhookError {
  override readonly name = 'HandlerError';
  /** Each failing handler's error: the event's own handlers first, then `onAny` ones, each in registration order. */
  readonly errors: unknown[];
  readonly event: CallEvent;
  /** In a queue worker: which attempt failed (1-based); `undefined` in the receiving process. */
  declare readonly attempt?: number;
  /** In a queue worker: the most attempts the job gets. */
  declare readonly attempts?: number;

  constructor(event: CallEvent, errors: unknown[], attempt?: HandlerErrorAttempt) {
    super('handler_failed', { cause: errors.length === 1 ? errors[0] : undefined });
    this.errors = errors;
    this.event = event;
    if (attempt !== undefined) {
      this.attempt = attempt.attempt;
      this.attempts = attempt.attempts;
    }
  }
}

/**
 * The store failed (Redis down, a timeout): the handlers still ran (at-least-once) and this is given to
 * `onError`. Never sent to the client.
 */
export class StoreError extends MyOperatorWebhookError {
  override readonly name = 'StoreError';
  readonly event: CallEvent;

  constructor(event: CallEvent, cause: unknown) {
    super('store_failed', { cause });
    this.event = event;
  }
}

/**
 * The queue could not take the event (Redis down, a timeout): its handlers ran in the receiving process instead
 * (at-least-once) and this is given to `onError`. Never sent to the client.
 */
export class QueueError extends MyOperatorWebhookError {
  override readonly name = 'QueueError';
  readonly event: CallEvent;

  constructor(event: CallEvent, cause: unknown) {
    super('queue_failed', { cause });
    this.event = event;
  }
}

/** How long a sender is asked to wait before it delivers again, while the webhook shuts down (seconds). */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 30;

/** The error of a delivery refused because `calls.close()` was called: 503, with `Retry-After`. */
export function shuttingDownError(): MyOperatorWebhookError {
  return new MyOperatorWebhookError('shutting_down', {
    headers: { 'Retry-After': String(SHUTDOWN_RETRY_AFTER_SECONDS) },
  });
}

/** Whether a value is one of this package's errors. */
export function isMyOperatorWebhookError(value: unknown): value is MyOperatorWebhookError {
  return value instanceof MyOperatorWebhookError;
}
