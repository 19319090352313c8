// CallEvents: handlers per call event, and `receive()`, the one path every event takes: de-duplication and the
// session in the store, then the queue (when there is one) or the handlers, run concurrently with their failures
// gathered. Framework-free: the adapters (lib/express, lib/node, lib/fetch) are thin layers over `receive()`.

import type { CallEvent } from '../core/call-event';
import {
  CALL_EVENTS,
  callEventDefinition,
  isCallEventOfCall,
  type CallEventHandlerMethod,
  type CallEventName,
  type CallEventNameOf,
} from '../core/call-states';
import {
  HandlerError,
  MyOperatorWebhookError,
  QueueError,
  shuttingDownError,
  StoreError,
  type HandlerErrorAttempt,
} from '../core/errors';
import { integerOption, optionKeys, readOptions } from '../core/options';
import { describeThrown, SafeLogger } from '../observe/logger';
import { NOOP_OBSERVER, type EventObservation, type Observer } from '../observe/observer';
import type { CallQueue, CallQueueJob, CallQueueWorker, CallQueueWorkOptions } from '../queue/call-queue';
import { deserializeCallEvent, queueJobId, serializeCallEvent } from '../queue/serialize';
import type { CallStore, SessionEventRecord, StoreRecordRequest, StoreRecordResult } from '../store/call-store';
import { withDeadline } from '../store/deadline';
import { HandlerContext, type CallEventContext } from './context';
import { resolveCallEventsOptions, type CallEventsConfig, type CallEventsOptions } from './options';
import { HandlerRegistry, type Unsubscribe } from './registry';
import { Reporter, type ErrorHandler } from './reporter';
import { buildCallSession, toSessionRecord, type CallSession } from './session';

/** A handler for events named `N`. */
export type CallEventHandler<N extends CallEventName = CallEventName> = (
  event: CallEvent<N>,
  ctx: CallEventContext,
) => unknown;

/** The result of `receive()`. */
export interface ReceiveResult {
  /** The event was delivered before: handlers did not run again. */
  duplicate: boolean;
  /** With a queue: whether the event was queued (`false`: the queue failed and the handlers ran here). */
  queued?: boolean;
}

/** How `calls.work()` runs queued events. */
export interface WorkOptions {
  /**
   * Events handled at once by this worker.
   * @default 1
   */
  concurrency?: number;
  /** How long a job's lock lasts before another worker may take it as stalled (ms), passed to the queue. */
  lockDuration?: number;
  /** How often stalled jobs are looked for (ms), passed to the queue. */
  stalledInterval?: number;
}

/** How `calls.close()` drains. */
export interface CloseOptions {
  /**
   * The longest to wait for handlers in flight.
   * @default 10000
   */
  timeoutMs?: number;
}

/** What `calls.close()` resolves. */
export interface CloseResult {
  /** Handlers (and queue jobs) still running at the deadline: 0 when everything drained. */
  pending: number;
}

type GeneratedHandlerMethods = {
  [M in CallEventHandlerMethod]: (handler: CallEventHandler<CallEventNameOf<M>>) => Unsubscribe;
};

const FACTORY = 'CallEvents';
const DUPLICATE: ReceiveResult = Object.freeze({ duplicate: true });
const HANDLED: ReceiveResult = Object.freeze({ duplicate: false });
const QUEUED: ReceiveResult = Object.freeze({ duplicate: false, queued: true });
const DUPLICATE_QUEUED: ReceiveResult = Object.freeze({ duplicate: true, queued: false });
const RAN_HERE: ReceiveResult = Object.freeze({ duplicate: false, queued: false });
const NO_FAILURES: readonly unknown[] = Object.freeze([]);
const NO_HANDLERS: readonly CallEventHandler[] = Object.freeze([]);

/** A handler's failure, boxed: a handler may throw `undefined`. */
interface Failure {
  readonly error: unknown;
}

/** What the adapters reach through the `calls` they are given: where to report answers, and the logger. */
interface Internals {
  readonly observer: Observer;
  readonly logger: SafeLogger;
}

const internals = new WeakMap<object, Internals>();
const SILENT = new SafeLogger(false);

/** The observer an adapter reports its answers to (responses, latency). */
export function observerOf(calls: CallEvents): Observer {
  return internals.get(calls)?.observer ?? NOOP_OBSERVER;
}

/** The logger of a CallEvents, for an adapter's warnings. */
export function loggerOf(calls: CallEvents): SafeLogger {
  return internals.get(calls)?.logger ?? SILENT;
}

function timedOut(what: string, ms: number): () => Error {
  return () => new Error(`The ${what} did not answer within ${ms} ms`);
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the handler methods are generated from CALL_EVENTS
export interface CallEvents extends GeneratedHandlerMethods {}

/**
 * With a queue, the claim that a redelivery of an event must not enqueue it again: its handlers ran in-process
 * because the queue failed, or an earlier redelivery enqueued it. The event's de-duplication key with a suffix
 * no default key has.
 */
function ranHereKey(key: string): string {
  return `${key}#ran-here`;
}

function ranHereRequest(key: string, ttlMs: number): StoreRecordRequest {
  return { dedupe: { key: ranHereKey(key), ttlMs }, session: null };
}

/**
 * Handlers per call event, and the dispatcher that runs them.
 *
 * @example
 * const calls = new CallEvents();
 * calls.onUserAnswered(async (event) => screenPop(event.caller?.e164, event.users));
 * app.use('/myoperator/incall', myOperatorWebhook({ auth, calls }));
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class CallEvents {
  /** Where claims and sessions live. */
  readonly store: CallStore;
  readonly #config: CallEventsConfig;
  readonly #registry = new HandlerRegistry<CallEventHandler, ErrorHandler>();
  readonly #reporter: Reporter;
  readonly #observer: Observer;
  /**
   * How many `receive()`s and queue jobs have not settled, for `close()`. A count, not a set of promises: a
   * handler that never settles must not keep its request (and everything it holds) alive.
   */
  #inFlight = 0;
  #drained: (() => void) | null = null;
  readonly #workers = new Set<CallQueueWorker>();
  #closing = false;

  constructor(options: Readonly<CallEventsOptions> = {}) {
    this.#config = resolveCallEventsOptions(options);
    this.store = this.#config.store;
    this.#reporter = new Reporter(this.#config.logger, () => this.#registry.errorHandlers);
    this.#observer = this.#config.observer;
    internals.set(this, { observer: this.#observer, logger: this.#config.logger });
  }

  /**
   * Registers a handler for one event name or several. Returns a function that unregisters it.
   * @example calls.on(['no_answer', 'client_rejected'], (event) => followUp(event.caller));
   */
  on<N extends CallEventName>(name: N | readonly N[], handler: CallEventHandler<N>): Unsubscribe {
    return this.#registry.on('on', name, handler);
  }

  /** Registers a handler for every event (after the event's own handlers, concurrently with them). */
  onAny(handler: CallEventHandler): Unsubscribe {
    return this.#registry.onAny(handler);
  }

  /**
   * Registers a handler for failures: the gathered errors of an event's handlers, a store or a queue failure. It is
   * called on a later task, never awaited: whatever it does (throw, hang) changes nothing the sender sees.
   */
  onError(handler: ErrorHandler): Unsubscribe {
    return this.#registry.onError(handler);
  }

  /** Unregisters a handler registered with `on()` or an `onX()` method. */
  off<N extends CallEventName>(name: N | readonly N[], handler: CallEventHandler<N>): void {
    this.#registry.off(name, handler as CallEventHandler);
  }

  /** Whether `close()` was called: new events are refused (`503 shutting_down`). */
  get closing(): boolean {
    return this.#closing;
  }

  /**
   * The session of a call, or `null` when sessions are off or the call is unknown. Rejects with a
   * `store_failed` error when the store fails or does not answer within `storeTimeoutMs`.
   */
  async getSession(uid: string): Promise<CallSession | null> {
    if (this.#config.sessionTtlMs === null) return null;
    let records: SessionEventRecord[];
    try {
      records = await this.#withStoreDeadline(this.store.sessionRecords(uid));
    } catch (cause) {
      throw new MyOperatorWebhookError('store_failed', { cause });
    }
    return records.length === 0 ? null : buildCallSession(uid, records);
  }

  /**
   * Delivers one event: de-duplication and the session, then the queue (with one) or every matching handler,
   * concurrently. Resolves `{ duplicate }` (and `queued` with a queue); rejects with a `HandlerError` (also
   * reported to `onError`) when a handler failed, or with `shutting_down` once `close()` was called.
   */
  receive(event: CallEvent, ctx: CallEventContext = {}): Promise<ReceiveResult> {
    if (this.#closing) return Promise.reject(shuttingDownError());
    return this.#track(this.#receive(event, ctx));
  }

  async #receive(event: CallEvent, ctx: CallEventContext): Promise<ReceiveResult> {
    const config = this.#config;
    const key = this.#keyOf(event);
    const observation = this.#observer.event(event, key);
    const request = this.#storeRequest(event, key);

    let claimed = false;
    let records: readonly SessionEventRecord[] | null = null;
    if (request !== null) {
      const endStoreCall = observation.storeCall();
      try {
        const recorded = this.#record(request);
        // The in-process store answers synchronously: no turn of the event loop is spent waiting for it.
        const result = recorded instanceof Promise ? await recorded : recorded;
        endStoreCall(false);
        if (!result.claimed) {
          observation.recorded(true, 0);
          if (config.queue !== null) await this.#enqueueDuplicate(event, key, observation);
          observation.end('duplicate');
          return config.queue === null ? DUPLICATE : DUPLICATE_QUEUED;
        }
        claimed = request.dedupe !== null;
        records = result.records;
        observation.recorded(false, claimed ? callDelta(records, request.session?.record) : 0);
      } catch (cause) {
        // At-least-once: a store that fails must not cost the event. It goes on; the failure is reported.
        endStoreCall(true);
        observation.storeFailed();
        this.#reporter.report(new StoreError(event, cause));
      }
    }

    const queue = config.queue;
    if (queue !== null) {
      try {
        await this.#enqueue(queue, event, key, observation);
        observation.end('queued');
        return QUEUED;
      } catch (cause) {
        // The queue cannot take it: the handlers run here, as without a queue.
        observation.queueFailed();
        this.#reporter.report(new QueueError(event, cause));
        if (claimed && key !== null) await this.#claimRanHere(event, key);
      }
    }

    const ran = this.#runHandlers(event, ctx, records, observation);
    const failures = ran instanceof Promise ? await ran : ran;
    if (failures.length === 0) {
      observation.end('handled');
      return queue === null ? HANDLED : RAN_HERE;
    }
    if (claimed && key !== null) {
      // Given back so that the sender's redelivery runs the handlers again.
      try {
        await this.#withStoreDeadline(this.store.release(key));
        if (queue !== null) await this.#withStoreDeadline(this.store.release(ranHereKey(key)));
      } catch (cause) {
        this.#reporter.report(new StoreError(event, cause));
      }
    }
    const error = new HandlerError(event, [...failures]);
    observation.end('failed');
    this.#reporter.report(error);
    throw error;
  }

  /** The event's de-duplication key, `null` when it has none. */
  #keyOf(event: CallEvent): string | null {
    const dedupeKey = this.#config.dedupeKey;
    const chosen = dedupeKey === null ? null : dedupeKey(event);
    // A custom key() that gives '' (or, from JavaScript, undefined) means "no key", never one key shared by all.
    return typeof chosen === 'string' && chosen !== '' ? chosen : null;
  }

  /** Enqueues the event under the job id of its key, within `storeTimeoutMs`. */
  async #enqueue(queue: CallQueue, event: CallEvent, key: string | null, observation: EventObservation): Promise<void> {
    const data = { event: serializeCallEvent(event), trace: observation.traceContext() };
    // Past the deadline the queue is told to give up, so it never stores a job whose handlers ran here.
    const controller = new AbortController();
    const config = this.#config;
    const ms = config.storeTimeoutMs;
    // The job id refuses a second job for the de-duplication TTL, whatever became of the first job: a redelivery
    // enqueued again below never runs an event twice, even once its completed job has been dropped.
    const options =
      key === null ? { signal: controller.signal } : { signal: controller.signal, dedupeTtlMs: config.dedupeTtlMs };
    await withDeadline(queue.enqueue(queueJobId(key), data, options), ms, () => {
      controller.abort();
      return new Error(`The queue did not answer within ${ms} ms`);
    });
  }

  /**
   * A redelivery refused by the claim is enqueued again under the same job id, which the queue ignores while it
   * holds the job (waiting, running, failed, or completed) and for the de-duplication TTL after it was added
   * (`dedupeTtlMs`), so an event never runs twice this way. The claim may be that of a web process that died
   * between its claim and its enqueue: the job was never stored, and without this the event would be lost, every
   * redelivery answered as a duplicate. Not when the event's handlers ran in-process because the queue failed
   * (its "ran here" claim is held): the queue has no trace of that event, and would run it a second time. A
   * failure changes nothing: it stays a duplicate.
   */
  async #enqueueDuplicate(event: CallEvent, key: string | null, observation: EventObservation): Promise<void> {
    const queue = this.#config.queue;
    if (queue === null || key === null) return;
    let marked = false;
    try {
      // The claim doubles as the check: taken now, it says "not run here"; it is given back if the enqueue fails,
      // so that a later redelivery tries again.
      marked = (await this.#record(ranHereRequest(key, this.#config.dedupeTtlMs))).claimed;
      if (!marked) return;
      await this.#enqueue(queue, event, key, observation);
    } catch {
      // Most redeliveries are of a job the queue holds; one that cannot be checked now is answered as before.
      if (marked) await this.#withStoreDeadline(this.store.release(ranHereKey(key))).catch(() => undefined);
    }
  }

  /**
   * Before the handlers run in-process because the queue failed: claims the event's "ran here" key, so that a
   * redelivery is not enqueued again (see `#enqueueDuplicate`). Given back with the event's claim if they fail.
   */
  async #claimRanHere(event: CallEvent, key: string): Promise<void> {
    try {
      await this.#record(ranHereRequest(key, this.#config.dedupeTtlMs));
    } catch (cause) {
      this.#reporter.report(new StoreError(event, cause));
    }
  }

  #storeRequest(event: CallEvent, key: string | null): StoreRecordRequest | null {
    const config = this.#config;
    const sessionTtlMs = config.sessionTtlMs;
    const withSession = sessionTtlMs !== null && event.uid !== null;
    if (key === null && !withSession) return null;
    const request: StoreRecordRequest = {
      dedupe: key === null ? null : { key, ttlMs: config.dedupeTtlMs },
      session: null,
    };
    if (withSession) {
      const { id, record } = toSessionRecord(event);
      request.session = { uid: event.uid as string, id, record, ttlMs: sessionTtlMs };
    }
    return request;
  }

  /** The store's record: synchronously from a store that can (it cannot hang), under the deadline otherwise. */
  #record(request: StoreRecordRequest): StoreRecordResult | Promise<StoreRecordResult> {
    const store = this.store;
    if (store.recordSync !== undefined) return store.recordSync(request, Date.now());
    return this.#withStoreDeadline(store.record(request));
  }

  #withStoreDeadline<T>(operation: Promise<T>): Promise<T> {
    const ms = this.#config.storeTimeoutMs;
    return withDeadline(operation, ms, timedOut('store', ms));
  }

  /** Runs the event's handlers and the `onAny` ones concurrently; resolves the failures, in registration order. */
  #runHandlers(
    event: CallEvent,
    ctx: CallEventContext,
    records: readonly SessionEventRecord[] | null,
    observation: EventObservation,
  ): readonly unknown[] | Promise<readonly unknown[]> {
    const own = this.#registry.handlersOf(event.name);
    // onAny handlers hear every call event; WhatsApp events on the same endpoint reach only onMessage.
    const any = isCallEventOfCall(event.name) ? this.#registry.anyHandlers : NO_HANDLERS;
    if (own.length + any.length === 0) return NO_FAILURES;
    const context = new HandlerContext(ctx, event.uid, records);
    // Every handler starts before any is awaited: they run concurrently, and one cannot hold up the others.
    const runs: Array<Failure | null | Promise<Failure | null>> = [];
    for (const handler of own) runs.push(runHandler(handler, event, context, observation));
    for (const handler of any) runs.push(runHandler(handler, event, context, observation));
    // Handlers that returned no promise are done: their outcomes are read without waiting a turn.
    if (!runs.some((run) => run instanceof Promise)) return failuresOf(runs as readonly (Failure | null)[]);
    // eslint-disable-next-line @typescript-eslint/await-thenable -- on purpose: plain outcomes beside promises
    return Promise.all(runs).then(failuresOf);
  }

  /** Counts `operation` among the work in flight until it settles (for `close()`). */
  #track<T>(operation: Promise<T>): Promise<T> {
    this.#inFlight++;
    operation.then(this.#settled, this.#settled);
    return operation;
  }

  readonly #settled = (): void => {
    if (--this.#inFlight === 0 && this.#drained !== null) this.#drained();
  };

  /** Resolves once nothing is in flight, or after `ms`. */
  #drain(ms: number): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#drained = finish;
    });
  }

  /**
   * Runs the handlers of queued events in this process (a worker), with the same registrations as the web
   * processes. `ctx.session` is read from the store; `ctx.req` is `undefined`. A failure is retried by the queue
   * with back-off, each one reported to `onError` with its attempt number.
   *
   * @example
   * const worker = calls.work({ concurrency: 10 });
   * process.on('SIGTERM', () => calls.close());
   */
  work(options: Readonly<WorkOptions> = {}): CallQueueWorker {
    const factory = `${FACTORY}.work()`;
    const record = readOptions(
      factory,
      options,
      optionKeys<WorkOptions>()(['concurrency', 'lockDuration', 'stalledInterval']),
    );
    const queue = this.#config.queue;
    if (queue === null) {
      throw new TypeError(
        `[myoperator-webhooks] ${factory}: needs a queue: new CallEvents({ queue: new BullMQQueue(...) })`,
      );
    }
    if (this.#closing) throw new TypeError(`[myoperator-webhooks] ${factory}: this CallEvents is closed`);
    const concurrency = integerOption(factory, 'concurrency', record.concurrency, 1, 1);
    const logger = this.#config.logger;
    const workOptions: CallQueueWorkOptions = {
      concurrency,
      // The worker's own trouble (its connection lost...): it reconnects by itself; operators hear of it.
      onError: (error) => {
        logger.log('warn', { code: 'queue_failed', cause: describeThrown(error) }, 'the queue worker had trouble');
      },
    };
    if (record.lockDuration !== undefined) {
      workOptions.lockDuration = integerOption(factory, 'lockDuration', record.lockDuration, 0, 1);
    }
    if (record.stalledInterval !== undefined) {
      workOptions.stalledInterval = integerOption(factory, 'stalledInterval', record.stalledInterval, 0, 1);
    }
    const worker = queue.work((job) => this.#track(this.#handleJob(job)), workOptions);
    this.#workers.add(worker);
    return {
      close: async () => {
        this.#workers.delete(worker);
        await worker.close();
      },
    };
  }

  /** One queued event in a worker: its session from the store, then its handlers; a failure rejects (a retry). */
  async #handleJob(job: CallQueueJob): Promise<void> {
    const event = deserializeCallEvent(job.data.event);
    const config = this.#config;
    const key = this.#keyOf(event);
    const observation = this.#observer.job(event, key, job.data.trace);
    let records: readonly SessionEventRecord[] | null = null;
    if (config.sessionTtlMs !== null && event.uid !== null) {
      const endStoreCall = observation.storeCall();
      try {
        records = await this.#withStoreDeadline(this.store.sessionRecords(event.uid));
        endStoreCall(false);
      } catch (cause) {
        endStoreCall(true);
        observation.storeFailed();
        this.#reporter.report(new StoreError(event, cause));
      }
    }
    const ran = this.#runHandlers(event, {}, records, observation);
    const failures = ran instanceof Promise ? await ran : ran;
    if (failures.length === 0) {
      observation.end('handled');
      return;
    }
    const attempt: HandlerErrorAttempt = { attempt: job.attempt, attempts: job.attempts };
    const error = new HandlerError(event, [...failures], attempt);
    observation.end('failed');
    this.#reporter.report(error);
    throw error;
  }

  /** Runs every queued event that ran out of attempts again; resolves how many. */
  retryFailed(): Promise<number> {
    const queue = this.#config.queue;
    if (queue === null)
      return Promise.reject(new TypeError(`[myoperator-webhooks] ${FACTORY}.retryFailed(): needs a queue`));
    return queue.retryFailed();
  }

  /**
   * Stops taking events (new deliveries are answered `503 shutting_down` with `Retry-After`, which MyOperator
   * retries), waits for the handlers in flight (those past a 202 included) up to `timeoutMs`, then closes the
   * workers and the queue. Resolves how many were still running at the deadline.
   *
   * @example process.on('SIGTERM', async () => { await calls.close({ timeoutMs: 10_000 }); server.close(); });
   */
  async close(options: Readonly<CloseOptions> = {}): Promise<CloseResult> {
    const factory = `${FACTORY}.close()`;
    const record = readOptions(factory, options, optionKeys<CloseOptions>()(['timeoutMs']));
    const timeoutMs = integerOption(factory, 'timeoutMs', record.timeoutMs, 10_000);
    this.#closing = true;
    const deadline = Date.now() + timeoutMs;
    const remaining = (): number => Math.max(0, deadline - Date.now());
    await this.#drain(remaining());
    this.#drained = null;
    const workers = [...this.#workers];
    this.#workers.clear();
    // A worker's close waits for the job in hand; past the deadline that job goes back to the queue (stalled).
    await settledWithin(
      workers.map((worker) => worker.close()),
      remaining(),
    );
    const pending = this.#inFlight;
    const queue = this.#config.queue;
    if (queue !== null) await settledWithin([queue.close()], remaining());
    return { pending };
  }
}

for (const row of CALL_EVENTS) {
  Object.defineProperty(CallEvents.prototype, row.handler, {
    value: function (this: CallEvents, handler: CallEventHandler): Unsubscribe {
      return this.on(row.name, handler);
    },
    writable: true,
    configurable: true,
  });
}

function failuresOf(outcomes: readonly (Failure | null)[]): readonly unknown[] {
  let failures: unknown[] | null = null;
  for (const outcome of outcomes) if (outcome !== null) (failures ??= []).push(outcome.error);
  return failures ?? NO_FAILURES;
}

/** Runs one handler; resolves (or returns, for a handler that returned no promise) its failure or `null`. */
function runHandler(
  handler: CallEventHandler,
  event: CallEvent,
  context: CallEventContext,
  observation: EventObservation,
): Failure | null | Promise<Failure | null> {
  const run = observation.handler(event.name);
  let result: unknown;
  try {
    result = run.run(() => handler(event, context));
  } catch (error) {
    run.end(true, error);
    return { error };
  }
  if (typeof result !== 'object' || result === null || typeof (result as { then?: unknown }).then !== 'function') {
    run.end(false);
    return null;
  }
  return Promise.resolve(result).then(
    () => {
      run.end(false);
      return null;
    },
    (error: unknown) => {
      run.end(true, error);
      return { error };
    },
  );
}

/**
 * How the calls in progress change with this event: +1 when it is the first event of a call that has not ended,
 * -1 when it ends a call that was in progress, 0 otherwise (read from the call-state table's `endsCall`). `own` is
 * this event's record; the store's records hold it once, beside those of the call's earlier events.
 */
function callDelta(records: readonly SessionEventRecord[] | null, own: SessionEventRecord | undefined): -1 | 0 | 1 {
  if (records === null || own === undefined) return 0;
  let others = 0;
  let endedBefore = false;
  let seenOwn = false;
  for (const record of records) {
    if (!seenOwn && record.name === own.name && record.callState === own.callState && record.at === own.at) {
      seenOwn = true;
      continue;
    }
    others++;
    if (callEventDefinition(record.name).endsCall) endedBefore = true;
  }
  const wasInProgress = others > 0 && !endedBefore;
  const isInProgress = !endedBefore && !callEventDefinition(own.name).endsCall;
  return wasInProgress === isInProgress ? 0 : isInProgress ? 1 : -1;
}

/** Waits for every promise to settle, or for `ms` milliseconds, whichever comes first. */
async function settledWithin(operations: readonly Promise<unknown>[], ms: number): Promise<void> {
  if (operations.length === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled(operations),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
