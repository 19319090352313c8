// Reporting failures to `onError` handlers and the logger, off the answer's path: a report is delivered on a later
// task, every call into user code is guarded (any thrown value, any getter, a promise that never settles), and
// nothing a reporter does can change what the sender is answered or whether the handlers run.

import { HandlerError, type QueueError, type StoreError } from '../core/errors';
import { describeThrown, type LogFields, type SafeLogger } from '../observe/logger';

/** An error given to `onError` handlers: handlers failed, or the store or the queue did. All carry the event. */
export type CallEventsError = HandlerError | StoreError | QueueError;

/** An `onError` handler. */
export type ErrorHandler = (error: CallEventsError) => unknown;

/** The bounded, printable fields of a report (never a message, a phone number or a payload). */
function fieldsOf(error: CallEventsError): LogFields {
  const event = error.event;
  const fields: Record<string, string | number | boolean | null> = {
    code: error.code,
    event: event.name,
    uid: typeof event.uid === 'string' ? event.uid.slice(0, 100) : null,
    format: event.format,
  };
  if (error instanceof HandlerError) {
    const failed = error;
    fields.failures = failed.errors.length;
    fields.errors = failed.errors.slice(0, 5).map(describeThrown).join(', ');
    if (failed.attempt !== undefined) {
      fields.attempt = failed.attempt;
      fields.attempts = failed.attempts ?? null;
    }
  } else {
    fields.cause = describeThrown(error.cause);
  }
  return fields;
}

const MESSAGES: Readonly<Record<CallEventsError['code'], string>> = {
  handler_failed: 'call event handlers failed',
  store_failed: 'the call store failed: the event was handled without de-duplication',
  queue_failed: 'the queue could not take the event: its handlers ran in this process',
} as Readonly<Record<string, string>>;

/** Delivers failures to the `onError` handlers it is given and to the logger. */
export class Reporter {
  readonly #logger: SafeLogger;
  readonly #errorHandlers: () => readonly ErrorHandler[];

  constructor(logger: SafeLogger, errorHandlers: () => readonly ErrorHandler[]) {
    this.#logger = logger;
    this.#errorHandlers = errorHandlers;
  }

  /**
   * Reports a failure on a later task: logged (`error` for handler failures that will not be retried, `warn` for
   * store, queue and retry trouble) and given to every `onError` handler.
   */
  report(error: CallEventsError): void {
    const handlers = this.#errorHandlers();
    setTimeout(() => {
      this.#deliver(error, handlers);
    }, 0);
  }

  #deliver(error: CallEventsError, handlers: readonly ErrorHandler[]): void {
    const failed = error instanceof HandlerError ? error : null;
    const retried = failed !== null && failed.attempt !== undefined && failed.attempt < (failed.attempts ?? 0);
    const level = failed !== null && !retried ? 'error' : 'warn';
    const logger = this.#logger;
    if (logger.enabled(level)) {
      const message = retried ? 'call event handlers failed: the queue retries the event' : MESSAGES[error.code];
      logger.log(level, fieldsOf(error), message);
    }
    for (const handler of handlers) {
      try {
        const result: unknown = handler(error);
        if (typeof result === 'object' && result !== null) {
          const then = (result as { then?: unknown }).then;
          if (typeof then === 'function') {
            Reflect.apply(then, result, [undefined, (thrown: unknown) => this.#handlerFailed(thrown)]);
          }
        }
      } catch (thrown) {
        this.#handlerFailed(thrown);
      }
    }
  }

  #handlerFailed(thrown: unknown): void {
    this.#logger.log('error', { thrown: describeThrown(thrown) }, 'an onError handler threw');
  }
}
