// CallEvents: handlers per call event, and `receive()`, the one path every event takes (de-duplication, session,
// handlers run concurrently, failures gathered). `middleware()` is the thin HTTP adapter around it.

import type { NextFunction, Request, RequestHandler, Response } from 'express';

import type { CallEvent } from '../core/call-event';
import {
  CALL_EVENTS,
  isCallEventName,
  type CallEventHandlerMethod,
  type CallEventName,
  type CallEventNameOf,
} from '../core/call-states';
import { HandlerError, MyOperatorWebhookError, StoreError } from '../core/errors';
import { describe, enumOption, integerOption, optionError, readOptions } from '../core/options';
import { buildCallSession, toSessionRecord, type CallSession } from './session';
import type { CallStore, SessionEventRecord, StoreRecordRequest, StoreRecordResult } from '../store/call-store';
import { MemoryStore } from '../store/memory-store';

/** What a handler receives besides the event. */
export interface CallEventContext {
  /** The Express request, when the event came over HTTP. */
  req?: Request;
  /** The call's session after this event, when sessions are on and the event has a uid. */
  session?: CallSession | null;
}

/** A handler for events named `N`. */
export type CallEventHandler<N extends CallEventName = CallEventName> = (
  event: CallEvent<N>,
  ctx: CallEventContext,
) => unknown;

/** An error given to `onError` handlers: handlers failed, or the store did. Both carry the event. */
export type CallEventsError = HandlerError | StoreError;

export type ErrorHandler = (error: CallEventsError) => unknown;

/** Removes the handler it was returned for. */
export type Unsubscribe = () => void;

export interface DedupeOptions {
  /**
   * How long a handled event is remembered, in milliseconds.
   * @default 86400000 (24 h)
   */
  ttlMs?: number;
  /**
   * The de-duplication key of an event; `null` (or `''`) means "never de-duplicate this one".
   * @default v2 `event_id`, else `uid` + `name` + `callState`
   * @example key: (event) => event.id // one log id, one run
   */
  key?: (event: CallEvent) => string | null;
}

export interface SessionsOptions {
  /**
   * How long a call's session is kept after its last event, in milliseconds.
   * @default 21600000 (6 h)
   */
  ttlMs?: number;
}

/** The logger for what must be said without an error handler to say it; receives no secrets or error text. */
export interface CallEventsLogger {
  error(message: string): void;
}

export interface CallEventsOptions {
  /**
   * Where claims and sessions live.
   * @default new MemoryStore()
   */
  store?: CallStore;
  /**
   * Run handlers once per event, however often it is delivered.
   * @default true
   */
  dedupe?: boolean | DedupeOptions;
  /**
   * Gather the events of each call into a `CallSession`.
   * @default true
   */
  sessions?: boolean | SessionsOptions;
  /**
   * Where failures without an `onError` handler are reported (`false` for silence).
   * @default console
   */
  logger?: CallEventsLogger | false;
  /**
   * The longest a store call may take before the event goes on without it (handlers run at least once, a
   * `StoreError` reaches `onError`): a guard for stores that hang. `RedisStore` gives up sooner on its own.
   * @default 2000
   */
  storeTimeoutMs?: number;
}

/** The result of `receive()`. */
export interface ReceiveResult {
  /** The event was delivered before: handlers did not run again. */
  duplicate: boolean;
}

export interface CallEventsMiddlewareOptions {
  /**
   * When to answer MyOperator: after the handlers, before them, or not at all (`'next'`: the app answers).
   * @default 'after-handlers'
   */
  respond?: 'after-handlers' | 'immediately' | 'next';
  /**
   * Answer 202 if handlers still run after this many milliseconds (they go on); `0` waits for them.
   * @default 4000
   */
  timeoutMs?: number;
  /**
   * How to answer when a handler failed: 500 so a retrying sender delivers again, or 200.
   * @default 'respond-500'
   */
  onHandlerError?: 'respond-500' | 'respond-200';
}

type GeneratedHandlerMethods = {
  [M in CallEventHandlerMethod]: (handler: CallEventHandler<CallEventNameOf<M>>) => Unsubscribe;
};

const DAY_MS = 24 * 60 * 60 * 1000;
const FACTORY = 'CallEvents';

/** The default de-duplication key: v2's event id, else the call's uid, the event name and the call state. */
export function defaultDedupeKey(event: CallEvent): string | null {
  if (event.format === 'v2' && event.id !== null) return `v2:${event.id}`;
  if (event.uid === null) return null;
  return `${event.uid}:${event.name}:${event.callState ?? ''}`;
}

const RESPONSE_BODY = {
  ok: Buffer.from('{"ok":true}'),
  duplicate: Buffer.from('{"ok":true,"duplicate":true}'),
  pending: Buffer.from('{"ok":true,"pending":true}'),
} as const;

/** Writes one of the fixed JSON answers (precomputed: nothing is serialised per request). */
export function sendFixedJson(res: Response, status: number, body: Buffer): void {
  if (res.headersSent || res.writableEnded) return;
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the handler methods are generated from CALL_EVENTS
export interface CallEvents extends GeneratedHandlerMethods {}

/**
 * Handlers per call event, and the dispatcher that runs them.
 *
 * @example
 * const calls = new CallEvents();
 * calls.onUserAnswered(async (event) => screenPop(event.caller?.e164, event.users));
 * app.all('/myoperator/incall', authenticate(auth), parseMyOperatorBody(), calls.middleware());
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class CallEvents {
  readonly store: CallStore;
  readonly #handlers = new Map<CallEventName, readonly CallEventHandler[]>();
  #anyHandlers: readonly CallEventHandler[] = [];
  #errorHandlers: readonly ErrorHandler[] = [];
  readonly #dedupeKey: ((event: CallEvent) => string | null) | null;
  readonly #dedupeTtlMs: number;
  readonly #sessionTtlMs: number | null;
  readonly #logger: CallEventsLogger | null;
  readonly #storeTimeoutMs: number;

  constructor(options: Readonly<CallEventsOptions> = {}) {
    const record = readOptions(FACTORY, options, ['store', 'dedupe', 'sessions', 'logger', 'storeTimeoutMs']);
    this.#storeTimeoutMs = integerOption(FACTORY, 'storeTimeoutMs', record.storeTimeoutMs, 2000, 1);
    const store: unknown = record.store ?? new MemoryStore();
    if (
      typeof store !== 'object' ||
      store === null ||
      typeof (store as CallStore).record !== 'function' ||
      typeof (store as CallStore).release !== 'function' ||
      typeof (store as CallStore).sessionRecords !== 'function'
    ) {
      throw optionError(FACTORY, '"store" must implement CallStore (record, release, sessionRecords)');
    }
    this.store = store as CallStore;

    const dedupe = record.dedupe ?? true;
    if (typeof dedupe === 'boolean') {
      this.#dedupeKey = dedupe ? defaultDedupeKey : null;
      this.#dedupeTtlMs = DAY_MS;
    } else {
      const dedupeOptions = readOptions(`${FACTORY} "dedupe"`, dedupe, ['ttlMs', 'key']);
      if (dedupeOptions.key !== undefined && typeof dedupeOptions.key !== 'function') {
        throw optionError(FACTORY, `"dedupe.key" must be a function, got ${describe(dedupeOptions.key)}`);
      }
      this.#dedupeKey = (dedupeOptions.key as DedupeOptions['key']) ?? defaultDedupeKey;
      this.#dedupeTtlMs = integerOption(FACTORY, 'dedupe.ttlMs', dedupeOptions.ttlMs, DAY_MS, 1);
    }

    const sessions = record.sessions ?? true;
    if (typeof sessions === 'boolean') {
      this.#sessionTtlMs = sessions ? DAY_MS / 4 : null;
    } else {
      const sessionOptions = readOptions(`${FACTORY} "sessions"`, sessions, ['ttlMs']);
      this.#sessionTtlMs = integerOption(FACTORY, 'sessions.ttlMs', sessionOptions.ttlMs, DAY_MS / 4, 1);
    }

    const logger = record.logger ?? console;
    if (logger !== false && (typeof logger !== 'object' || typeof (logger as CallEventsLogger).error !== 'function')) {
      throw optionError(FACTORY, '"logger" must have an error(message) method, or be false');
    }
    this.#logger = logger === false ? null : (logger as CallEventsLogger);
  }

  /**
   * Registers a handler for one event name or several. Returns a function that unregisters it.
   * @example calls.on(['no_answer', 'client_rejected'], (event) => followUp(event.caller));
   */
  on<N extends CallEventName>(name: N | readonly N[], handler: CallEventHandler<N>): Unsubscribe {
    const names = (Array.isArray(name) ? name : [name]) as readonly unknown[];
    assertHandler('on', handler);
    for (const each of names) {
      if (!isCallEventName(each)) {
        throw optionError(`${FACTORY}.on()`, `unknown event name ${JSON.stringify(each)}`);
      }
    }
    for (const each of names as readonly N[]) {
      this.#handlers.set(each, [...(this.#handlers.get(each) ?? []), handler as CallEventHandler]);
    }
    return () => {
      for (const each of names as readonly N[]) this.off(each, handler);
    };
  }

  /** Registers a handler for every event (after the event's own handlers, concurrently with them). */
  onAny(handler: CallEventHandler): Unsubscribe {
    assertHandler('onAny', handler);
    this.#anyHandlers = [...this.#anyHandlers, handler];
    return () => {
      this.#anyHandlers = withoutFirst(this.#anyHandlers, handler);
    };
  }

  /**
   * Registers a handler for failures: the gathered errors of an event's handlers, or a store failure. An error
   * handler that throws is logged (its name only), never rethrown.
   */
  onError(handler: ErrorHandler): Unsubscribe {
    assertHandler('onError', handler);
    this.#errorHandlers = [...this.#errorHandlers, handler];
    return () => {
      this.#errorHandlers = withoutFirst(this.#errorHandlers, handler);
    };
  }

  /** Unregisters a handler registered with `on()` or an `onX()` method. */
  off<N extends CallEventName>(name: N | readonly N[], handler: CallEventHandler<N>): void {
    for (const each of (Array.isArray(name) ? name : [name]) as readonly N[]) {
      const list = this.#handlers.get(each);
      if (list) this.#handlers.set(each, withoutFirst(list, handler as CallEventHandler));
    }
  }

  /** The session of a call, or `null` when sessions are off or the call is unknown. */
  async getSession(uid: string): Promise<CallSession | null> {
    if (this.#sessionTtlMs === null) return null;
    const records = await this.store.sessionRecords(uid);
    return records.length === 0 ? null : buildCallSession(uid, records);
  }

  /**
   * Delivers one event: de-duplication, session, then every matching handler concurrently. Resolves
   * `{ duplicate }`; rejects with a `HandlerError` (also given to every `onError` handler) when any handler failed.
   */
  async receive(event: CallEvent, ctx: CallEventContext = {}): Promise<ReceiveResult> {
    const chosenKey = this.#dedupeKey === null ? null : this.#dedupeKey(event);
    // A custom key() that gives '' (or, from JavaScript, undefined) means "no key", never one key shared by all.
    const key = typeof chosenKey === 'string' && chosenKey !== '' ? chosenKey : null;
    const sessionTtlMs = this.#sessionTtlMs;
    const request: StoreRecordRequest = {
      dedupe: key === null ? null : { key, ttlMs: this.#dedupeTtlMs },
      session: null,
    };
    if (sessionTtlMs !== null && event.uid !== null) {
      const { id, record } = toSessionRecord(event);
      request.session = { uid: event.uid, id, record, ttlMs: sessionTtlMs };
    }

    let claimed = false;
    let records: SessionEventRecord[] | null = null;
    if (request.dedupe !== null || request.session !== null) {
      try {
        const result = await this.#record(request);
        if (!result.claimed) return { duplicate: true };
        claimed = request.dedupe !== null;
        records = result.records;
      } catch (cause) {
        // At-least-once: a store that fails must not cost the event. Handlers run; the failure is reported.
        await this.#reportError(new StoreError(event, cause));
      }
    }

    const failures = await this.#runHandlers(event, new HandlerContext(ctx, event.uid, records));
    if (failures.length === 0) return { duplicate: false };
    if (claimed && key !== null) {
      try {
        await this.#withStoreTimeout(this.store.release(key));
      } catch (cause) {
        await this.#reportError(new StoreError(event, cause));
      }
    }
    const error = new HandlerError(event, failures);
    await this.#reportError(error);
    throw error;
  }

  /** The store's record, synchronously for the in-process store (it cannot hang), under the guard otherwise. */
  #record(request: StoreRecordRequest): StoreRecordResult | Promise<StoreRecordResult> {
    const store = this.store;
    if (store instanceof MemoryStore) return store.recordSync(request, Date.now());
    return this.#withStoreTimeout(store.record(request));
  }

  #withStoreTimeout<T>(operation: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`The store did not answer within ${this.#storeTimeoutMs} ms`));
      }, this.#storeTimeoutMs);
    });
    return Promise.race([operation, timeout]).finally(() => {
      clearTimeout(timer);
    });
  }

  async #runHandlers(event: CallEvent, ctx: CallEventContext): Promise<unknown[]> {
    const own = this.#handlers.get(event.name) ?? [];
    const any = this.#anyHandlers;
    const total = own.length + any.length;
    if (total === 0) return [];
    const runs: Promise<unknown>[] = [];
    const call = (handler: CallEventHandler): void => {
      // The executor turns a synchronous throw into a rejection, so one handler cannot stop the others.
      runs.push(
        new Promise((resolve) => {
          resolve(handler(event, ctx));
        }),
      );
    };
    for (const handler of own) call(handler);
    for (const handler of any) call(handler);
    const failures: unknown[] = [];
    for (const outcome of await Promise.allSettled(runs)) {
      if (outcome.status === 'rejected') failures.push(outcome.reason);
    }
    return failures;
  }

  async #reportError(error: CallEventsError): Promise<void> {
    const handlers = this.#errorHandlers;
    if (handlers.length === 0) {
      this.#logger?.error(
        // The uid is request data: quoted and cut short, so it cannot forge log lines (CR, LF, escape codes).
        `[myoperator-webhooks] ${error.message} (uid ${JSON.stringify(error.event.uid?.slice(0, 100) ?? null)}); register calls.onError() to see why`,
      );
      return;
    }
    await Promise.all(
      handlers.map(async (handler) => {
        try {
          await handler(error);
        } catch (thrown) {
          this.#logger?.error(`[myoperator-webhooks] an onError handler threw (${errorName(thrown)})`);
        }
      }),
    );
  }

  /**
   * The Express middleware that dispatches `req.callEvent` and answers MyOperator: 200 `{"ok":true}`,
   * `{"ok":true,"duplicate":true}` for a redelivery, 202 `{"ok":true,"pending":true}` past `timeoutMs`.
   */
  middleware(options: Readonly<CallEventsMiddlewareOptions> = {}): RequestHandler {
    const factory = 'CallEvents.middleware()';
    const record = readOptions(factory, options, ['respond', 'timeoutMs', 'onHandlerError']);
    const respond = enumOption(
      factory,
      'respond',
      record.respond,
      ['after-handlers', 'immediately', 'next'],
      'after-handlers',
    );
    const timeoutMs = integerOption(factory, 'timeoutMs', record.timeoutMs, 4000);
    const onHandlerError = enumOption(
      factory,
      'onHandlerError',
      record.onHandlerError,
      ['respond-500', 'respond-200'],
      'respond-500',
    );
    const failWith500 = onHandlerError === 'respond-500';
    const swallow = (): void => {};

    const myOperatorDispatch = (req: Request, res: Response, next: NextFunction): void => {
      const event = req.callEvent;
      if (!event) {
        next(new MyOperatorWebhookError('missing_call_event'));
        return;
      }
      if (respond === 'immediately') {
        sendFixedJson(res, 200, RESPONSE_BODY.ok);
        this.receive(event, { req }).catch(swallow);
        return;
      }
      let settled = false;
      const timer =
        timeoutMs === 0
          ? undefined
          : setTimeout(() => {
              settled = true;
              if (respond === 'next') {
                res.locals.myOperator = { duplicate: false, pending: true };
                next();
              } else sendFixedJson(res, 202, RESPONSE_BODY.pending);
            }, timeoutMs);
      this.receive(event, { req }).then(
        (result) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (respond === 'next') {
            res.locals.myOperator = { duplicate: result.duplicate, pending: false };
            next();
          } else sendFixedJson(res, 200, result.duplicate ? RESPONSE_BODY.duplicate : RESPONSE_BODY.ok);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (failWith500) next(error);
          else if (respond === 'next') {
            res.locals.myOperator = { duplicate: false, pending: false };
            next();
          } else sendFixedJson(res, 200, RESPONSE_BODY.ok);
        },
      );
    };
    return myOperatorDispatch;
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

/**
 * What handlers get as `ctx`: the caller's context, and the session built the first time a handler reads it (most
 * events' handlers never do, and building it sorts and copies every event of the call).
 */
class HandlerContext implements CallEventContext {
  req?: Request;
  readonly #uid: string | null;
  #records: readonly SessionEventRecord[] | null;
  #session: CallSession | null | undefined;

  constructor(ctx: CallEventContext, uid: string | null, records: readonly SessionEventRecord[] | null) {
    for (const key of Object.keys(ctx)) {
      if (key !== 'session') (this as Record<string, unknown>)[key] = (ctx as Record<string, unknown>)[key];
    }
    this.#uid = uid;
    this.#records = records;
  }

  get session(): CallSession | null {
    if (this.#session === undefined) {
      this.#session = this.#records === null || this.#uid === null ? null : buildCallSession(this.#uid, this.#records);
      this.#records = null;
    }
    return this.#session;
  }
}

function assertHandler(method: string, handler: unknown): void {
  if (typeof handler !== 'function') {
    throw optionError(`${FACTORY}.${method}()`, `the handler must be a function, got ${describe(handler)}`);
  }
}

function withoutFirst<T>(list: readonly T[], item: T): readonly T[] {
  const index = list.indexOf(item);
  return index < 0 ? list : [...list.slice(0, index), ...list.slice(index + 1)];
}
