// The package's errors: one class with a status and a machine-readable code, passed to Express with next(err).
// Messages are fixed per code, so no response ever carries a handler's exception text or a credential.

import type { CallEvent } from './call-event';

/** The HTTP status of every error code. */
export const ERROR_STATUS = {
  missing_call_log: 400,
  invalid_json: 400,
  missing_call_event: 400,
  unauthorized: 401,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_call_log: 422,
  handler_failed: 500,
} as const;

/** A machine-readable error code, found in `error.code` of every error response. */
export type ErrorCode = keyof typeof ERROR_STATUS;

const DEFAULT_MESSAGE: Record<ErrorCode, string> = {
  missing_call_log: 'The request body has no MyOperator call log',
  invalid_json: 'The call log is not valid JSON',
  missing_call_event: 'No call event was built from this request',
  unauthorized: 'Missing or invalid credentials',
  payload_too_large: 'The request body is larger than the limit',
  unsupported_media_type: 'The request body must be a form or JSON',
  invalid_call_log: 'The call log is not a valid MyOperator call log (see details)',
  handler_failed: 'A call event handler failed',
};

/** One failing place in a call log that did not pass validation. */
export interface ValidationDetail {
  /** JSON pointer of the failing value, `''` for the whole log. */
  path: string;
  message: string;
}

export interface MyOperatorWebhookErrorOptions {
  message?: string;
  details?: ValidationDetail[];
  cause?: unknown;
  /** Headers to send with the error response (the Basic challenge). */
  headers?: Record<string, string>;
}

/** Every error the package gives to `next(err)` or rejects with. */
export class MyOperatorWebhookError extends Error {
  override readonly name: string = 'MyOperatorWebhookError';
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Same as `status`, for error handlers that read `statusCode`. */
  readonly statusCode: number;
  readonly code: ErrorCode;
  /** Whether `message` is safe to send to the client (true for every 4xx). */
  readonly expose: boolean;
  /** The failing paths of an `invalid_call_log`. */
  declare readonly details?: ValidationDetail[];
  /** Headers that belong to the response (`WWW-Authenticate`). */
  declare readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, options: MyOperatorWebhookErrorOptions = {}) {
    super(options.message ?? DEFAULT_MESSAGE[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.statusCode = this.status;
    this.expose = this.status < 500;
    if (options.details !== undefined) this.details = options.details;
    if (options.headers !== undefined) this.headers = options.headers;
  }
}

/** Why handlers failed: every handler error, gathered, with the event they failed on. */
export class HandlerError extends MyOperatorWebhookError {
  override readonly name = 'HandlerError';
  /** Each failing handler's error: the event's own handlers first, then `onAny` ones, each in registration order. */
  readonly errors: unknown[];
  readonly event: CallEvent;

  constructor(event: CallEvent, errors: unknown[]) {
    super('handler_failed', {
      message: `${errors.length} call event handler${errors.length === 1 ? '' : 's'} failed for "${event.name}"`,
      cause: errors.length === 1 ? errors[0] : undefined,
    });
    this.errors = errors;
    this.event = event;
  }
}

/** Whether a value is one of this package's errors. */
export function isMyOperatorWebhookError(value: unknown): value is MyOperatorWebhookError {
  return value instanceof MyOperatorWebhookError;
}

/**
 * The store failed (Redis down, a timeout): handlers still ran (at-least-once) and this is given to `onError`.
 * Never sent to the client.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly event: CallEvent;

  constructor(event: CallEvent, cause: unknown) {
    super('The call store failed; handlers ran without de-duplication', { cause });
    this.event = event;
  }
}

/**
 * A body parser's error (body-parser, `express.json()`...) as the documented code: 413 too large, 415 charset or
 * encoding, a parse failure `invalid_json`, any other 4xx an unreadable body (bad gzip, an aborted upload).
 * `null` for anything that is not a body parser's client error.
 */
export function fromBodyParserError(error: unknown): MyOperatorWebhookError | null {
  const { status, type } = (typeof error === 'object' && error !== null ? error : {}) as {
    status?: unknown;
    type?: unknown;
  };
  if (status === 413) return new MyOperatorWebhookError('payload_too_large', { cause: error });
  if (status === 415) return new MyOperatorWebhookError('unsupported_media_type', { cause: error });
  if (type === 'entity.parse.failed') return new MyOperatorWebhookError('invalid_json', { cause: error });
  if (typeof status === 'number' && status >= 400 && status < 500) return unreadableBody(error);
  return null;
}

/** A body that could not be read (bad gzip, an aborted upload): there is no call log to take. */
export function unreadableBody(cause: unknown): MyOperatorWebhookError {
  return new MyOperatorWebhookError('missing_call_log', { message: 'The request body could not be read', cause });
}
