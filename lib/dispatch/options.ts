// The options of `new CallEvents()`, checked once and resolved into one private configuration.

import type { CallEvent } from '../core/call-event';
import { describe, integerOption, optionError, optionKeys, readOptions } from '../core/options';
import { createObserver } from '../observe/create-observer';
import { SafeLogger, type CallEventsLogger } from '../observe/logger';
import { readMetricsOption, type MetricsRegistry } from '../observe/metrics';
import type { Observer } from '../observe/observer';
import type { CallQueue } from '../queue/call-queue';
import type { CallStore } from '../store/call-store';
import { MemoryStore } from '../store/memory-store';

export interface DedupeOptions {
  /**
   * How long a handled event is remembered, in milliseconds.
   * @default 86400000 (24 h: MyOperator's v2 retries last a day)
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
   * A pino-compatible logger (`pino()`, `req.log`, `console`), or `false` for silence. `debug` gets a line per
   * event; `warn` store, queue and retry trouble; `error` failures. `console` is used for `warn` and `error` only.
   * @default console
   */
  logger?: CallEventsLogger | false;
  /**
   * The longest a store or queue call may take before the event goes on without it (handlers run at least once,
   * a `StoreError` or `QueueError` reaches `onError`); also bounds `getSession()`.
   * @default 2000
   */
  storeTimeoutMs?: number;
  /**
   * A durable queue (`BullMQQueue` from `myoperator-webhooks/bullmq`): events are answered once queued, and their
   * handlers run in `calls.work()`.
   */
  queue?: CallQueue;
  /**
   * A prom-client `Registry` to register the package's metrics in (`myoperator_webhook_*`: events, duplicates,
   * responses, handler failures and durations, store and queue errors, calls in progress). Several CallEvents may
   * share one registry.
   * @example metrics: register // import { register } from 'prom-client'
   */
  metrics?: MetricsRegistry | false;
}

/** The default de-duplication key: v2's event id, else the call's uid, the event name and the call state. */
export function defaultDedupeKey(event: CallEvent): string | null {
  if (event.format === 'v2' && event.id !== null) return `v2:${event.id}`;
  if (event.uid === null) return null;
  return `${event.uid}:${event.name}:${event.callState ?? ''}`;
}

/** The resolved configuration of one CallEvents. */
export interface CallEventsConfig {
  readonly store: CallStore;
  /** `null`: de-duplication is off. */
  readonly dedupeKey: ((event: CallEvent) => string | null) | null;
  readonly dedupeTtlMs: number;
  /** `null`: sessions are off. */
  readonly sessionTtlMs: number | null;
  readonly logger: SafeLogger;
  readonly storeTimeoutMs: number;
  readonly queue: CallQueue | null;
  /** Where metrics, spans and debug lines go. */
  readonly observer: Observer;
}

const FACTORY = 'CallEvents';
const DAY_MS = 24 * 60 * 60 * 1000;

const DEFAULTS = {
  storeTimeoutMs: 2000,
  dedupeTtlMs: DAY_MS,
  sessionTtlMs: DAY_MS / 4,
} as const;

export const CALL_EVENTS_OPTION_KEYS = optionKeys<CallEventsOptions>()([
  'store',
  'dedupe',
  'sessions',
  'logger',
  'storeTimeoutMs',
  'queue',
  'metrics',
]);

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function');
}

/** Checks `new CallEvents(options)` and resolves it. */
export function resolveCallEventsOptions(options: unknown): CallEventsConfig {
  const record = readOptions(FACTORY, options, CALL_EVENTS_OPTION_KEYS);
  const storeTimeoutMs = integerOption(FACTORY, 'storeTimeoutMs', record.storeTimeoutMs, DEFAULTS.storeTimeoutMs, 1);

  const store: unknown = record.store ?? new MemoryStore();
  if (!hasMethods(store, ['record', 'release', 'sessionRecords'])) {
    throw optionError(FACTORY, '"store" must implement CallStore (record, release, sessionRecords)');
  }

  let dedupeKey: CallEventsConfig['dedupeKey'] = defaultDedupeKey;
  let dedupeTtlMs: number = DEFAULTS.dedupeTtlMs;
  const dedupe = record.dedupe ?? true;
  if (dedupe === false) dedupeKey = null;
  else if (dedupe !== true) {
    const dedupeOptions = readOptions(`${FACTORY} "dedupe"`, dedupe, optionKeys<DedupeOptions>()(['ttlMs', 'key']));
    if (dedupeOptions.key !== undefined && typeof dedupeOptions.key !== 'function') {
      throw optionError(FACTORY, `"dedupe.key" must be a function, got ${describe(dedupeOptions.key)}`);
    }
    dedupeKey = (dedupeOptions.key as DedupeOptions['key']) ?? defaultDedupeKey;
    dedupeTtlMs = integerOption(FACTORY, 'dedupe.ttlMs', dedupeOptions.ttlMs, DEFAULTS.dedupeTtlMs, 1);
  }

  let sessionTtlMs: number | null = DEFAULTS.sessionTtlMs;
  const sessions = record.sessions ?? true;
  if (sessions === false) sessionTtlMs = null;
  else if (sessions !== true) {
    const sessionOptions = readOptions(`${FACTORY} "sessions"`, sessions, optionKeys<SessionsOptions>()(['ttlMs']));
    sessionTtlMs = integerOption(FACTORY, 'sessions.ttlMs', sessionOptions.ttlMs, DEFAULTS.sessionTtlMs, 1);
  }

  const logger = record.logger ?? console;
  if (logger !== false && !hasMethods(logger, ['error'])) {
    throw optionError(FACTORY, '"logger" must be a pino-compatible logger (with at least an error() method), or false');
  }

  const queue = record.queue ?? null;
  if (queue !== null && !hasMethods(queue, ['enqueue', 'work', 'retryFailed', 'counts', 'close'])) {
    throw optionError(FACTORY, '"queue" must implement CallQueue (a BullMQQueue from myoperator-webhooks/bullmq)');
  }

  const safeLogger = new SafeLogger(logger as CallEventsLogger | false);
  return {
    store: store as CallStore,
    dedupeKey,
    dedupeTtlMs,
    sessionTtlMs,
    logger: safeLogger,
    storeTimeoutMs,
    queue: queue as CallQueue | null,
    observer: createObserver({
      metrics: readMetricsOption(record.metrics, FACTORY),
      logger: safeLogger,
      factory: FACTORY,
    }),
  };
}
