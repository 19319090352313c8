// What the dispatcher tells the outside about each event: the seam between dispatch and the metrics, traces and
// debug logs an operator reads. The dispatcher calls these hooks; `NOOP_OBSERVER` is what it calls when nothing
// is configured, so an app without metrics or tracing pays an empty call per hook; `createObserver()`
// (create-observer.ts) builds the real one.
//
// The order a dispatcher calls them in, for one event:
//   web process, `receive()`:
//     1. `const seen = observer.event(event, key)` once the event reaches dispatch (duplicates included);
//     2. around each store call: `const done = seen.storeCall()`, then `done(failed)` once it settled or timed out;
//     3. the record call answered: `seen.recorded(duplicate, callDelta)`; it failed or timed out instead:
//        `seen.storeFailed()` (once per store error reported);
//     4. a duplicate: `seen.end('duplicate')`, and nothing more;
//     5. with a queue: `trace = seen.traceContext()` goes into the job; stored: `seen.end('queued')`; the queue
//        failed: `seen.queueFailed()`, then the handlers run here (6, 7);
//     6. each handler run: `const run = seen.handler(event.name)`, the handler called as
//        `run.run(() => handler(event, ctx))`, then `run.end(false)`, or `run.end(true, thrown)` when it threw or
//        rejected;
//     7. every handler settled: `seen.end('handled')`, or `seen.end('failed')` when one failed.
//   worker, each attempt of a job: `const seen = observer.job(event, key, job.data.trace)`, then 6 and 7.
//   adapter, each request answered (refused ones included): `observer.response(status, code, seconds)`.

import type { CallEvent } from '../core/call-event';
import type { CallEventName } from '../core/call-states';
import type { QueuedTraceContext } from '../queue/call-queue';

/** How dispatch ended for one event. */
export type EventOutcome = 'handled' | 'duplicate' | 'queued' | 'failed';

/** One handler run of one event. */
export interface HandlerObservation {
  /** Runs the handler inside this run's trace context, so spans the handler starts are its children. */
  run<T>(handler: () => T): T;
  /**
   * The handler settled; `thrown` is what it threw or rejected with, of which only the type's name is recorded
   * (never its message). Calls after the first change nothing.
   */
  end(failed: boolean, thrown?: unknown): void;
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
  /** The trace context to hand to the queue, so the worker's span links to this one (`null`: not traced). */
  traceContext(): QueuedTraceContext | null;
  /** Dispatch of this event is over (after every handler's `end()`). Calls after the first change nothing. */
  end(outcome: EventOutcome): void;
}

/** Where a dispatcher's observations go. */
export interface Observer {
  /**
   * An event reached dispatch in the process that received it (duplicates included). `key` is its
   * de-duplication key, `null` when it has none.
   */
  event(event: CallEvent, key: string | null): EventObservation;
  /**
   * A worker runs an attempt of a queued event: its handlers are observed (durations, failures, spans), but the
   * event is not counted again (the receiving process did). `link` is the job's trace context, to which the
   * worker's span links.
   */
  job(event: CallEvent, key: string | null, link: QueuedTraceContext | null): EventObservation;
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
export const NOOP_OBSERVER: Observer = { event: () => NOOP_EVENT, job: () => NOOP_EVENT, response: noop };

/** The event observation that records nothing (what `Observer.event()` gives while nothing is on). */
export const NOOP_EVENT_OBSERVATION: EventObservation = NOOP_EVENT;

/** The handler observation that records nothing. */
export const NOOP_HANDLER_OBSERVATION: HandlerObservation = NOOP_HANDLER;
