// What the dispatcher tells the outside about each event: the seam between dispatch and the metrics, traces and
// debug logs an operator reads. The dispatcher calls these hooks; `NOOP_OBSERVER` is what it calls when nothing
// is configured, so an app without metrics or tracing pays an empty call per hook.

import type { CallEvent } from '../core/call-event';
import type { CallEventName } from '../core/call-states';
import type { QueuedTraceContext } from '../queue/call-queue';

/** How dispatch ended for one event. */
export type EventOutcome = 'handled' | 'duplicate' | 'queued' | 'failed';

/** One handler run of one event. */
export interface HandlerObservation {
  /** Runs the handler inside this run's trace context, so spans the handler starts are its children. */
  run<T>(handler: () => T): T;
  /** The handler settled. */
  end(failed: boolean): void;
}

/** One event, from dispatch to its outcome. */
export interface EventObservation {
  /** A store call starts; the returned function ends it (`failed` when it threw or timed out). */
  storeCall(): (failed: boolean) => void;
  /**
   * The store answered: `duplicate` for a redelivery; `callDelta` is +1 when this event started a call that is now
   * in progress, -1 when it ended one that was, 0 otherwise.
   */
  recorded(duplicate: boolean, callDelta: -1 | 0 | 1): void;
  storeFailed(): void;
  queueFailed(): void;
  handler(name: CallEventName): HandlerObservation;
  /** The trace context to hand to the queue, so the worker's span links to this one. */
  traceContext(): QueuedTraceContext | null;
  end(outcome: EventOutcome): void;
}

/** Where a dispatcher's observations go. */
export interface Observer {
  /**
   * An event reached dispatch (in the web process, or in a worker with `link` set to the web process's span).
   * `key` is its de-duplication key, `null` when it has none.
   */
  event(event: CallEvent, key: string | null, link: QueuedTraceContext | null): EventObservation;
  /** An adapter answered a request (`code`: `ok`, `duplicate`, `pending`, or the error code). */
  response(status: number, code: string, seconds: number): void;
}

const noop = (): void => {};
const NOOP_HANDLER: HandlerObservation = { run: (handler) => handler(), end: noop };
const NOOP_EVENT: EventObservation = {
  storeCall: () => noop,
  recorded: noop,
  storeFailed: noop,
  queueFailed: noop,
  handler: () => NOOP_HANDLER,
  traceContext: () => null,
  end: noop,
};

/** The observer of a dispatcher with no metrics, no tracing and no debug logger. */
export const NOOP_OBSERVER: Observer = { event: () => NOOP_EVENT, response: noop };
