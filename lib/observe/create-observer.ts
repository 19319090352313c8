// The observer a dispatcher is given: Prometheus metrics when a registry is configured, OpenTelemetry spans
// whenever a tracer provider is registered (looked up per event, so a provider registered later counts), and a
// debug line per event when the logger has `debug`. With none of them on, an event costs one property read and
// gets the shared no-op observation.

import type { CallEvent } from '../core/call-event';
import type { CallEventName } from '../core/call-states';
import type { QueuedTraceContext } from '../queue/call-queue';
import { describeThrown, type SafeLogger } from './logger';
import { DispatchMetrics, formatLabel, nameLabel, type MetricsRegistry, type NameSeries } from './metrics';
import {
  NOOP_EVENT_OBSERVATION,
  NOOP_HANDLER_OBSERVATION,
  type EventObservation,
  type EventOutcome,
  type HandlerObservation,
  type Observer,
} from './observer';
import {
  activeContext,
  currentTracing,
  isValidTraceContext,
  queuedTraceContext,
  SPAN_KEY,
  SPAN_KIND_CONSUMER,
  SPAN_KIND_INTERNAL,
  SPAN_STATUS_ERROR,
  type SpanLike,
  type SpanOptionsLike,
  type TraceContextLike,
  type Tracing,
} from './tracing';

/** What {@link createObserver} builds an observer from. */
export interface CreateObserverOptions {
  /** The registry the metrics go to (checked with `readMetricsOption()`); `null` or absent for no metrics. */
  metrics?: MetricsRegistry | null;
  /** The dispatcher's logger: one `debug` line per event when it logs at `debug`. */
  logger: SafeLogger;
  /**
   * The factory named in option errors.
   * @default 'CallEvents'
   */
  factory?: string;
}

/** The span of each event. */
export const EVENT_SPAN_NAME = 'process myoperator';
/** The child span of each store call. */
export const STORE_SPAN_NAME = 'myoperator store';
/** The child span of each handler run. */
export const HANDLER_SPAN_NAME = 'myoperator handler';

/** The longest uid a debug line carries. */
const LOG_UID_LENGTH = 100;
/** The longest `messaging.message.id` (a custom de-duplication key could be long). */
const MESSAGE_ID_LENGTH = 256;

/**
 * The observer of one dispatcher, made once (when `CallEvents` is built). Registers the metrics in `metrics`
 * (or reuses those another dispatcher registered there).
 * @throws TypeError when `metrics` holds a metric of one of the package's names that the package did not make
 * @example createObserver({ metrics: register, logger: new SafeLogger(pino()) })
 */
export function createObserver(options: CreateObserverOptions): Observer {
  const metrics = options.metrics ? new DispatchMetrics(options.metrics, options.factory) : null;
  return new DispatchObserver(metrics, options.logger);
}

const noop = (): void => {};

class DispatchObserver implements Observer {
  readonly #metrics: DispatchMetrics | null;
  readonly #logger: SafeLogger;

  constructor(metrics: DispatchMetrics | null, logger: SafeLogger) {
    this.#metrics = metrics;
    this.#logger = logger;
  }

  event(event: CallEvent, key: string | null): EventObservation {
    return this.#start(event, key, null, false);
  }

  job(event: CallEvent, key: string | null, link: QueuedTraceContext | null): EventObservation {
    return this.#start(event, key, link, true);
  }

  response(status: number, code: string, seconds: number): void {
    this.#metrics?.response(status, code, seconds);
  }

  #start(event: CallEvent, key: string | null, link: QueuedTraceContext | null, worker: boolean): EventObservation {
    const tracing = currentTracing();
    // Asked per event, so that a logger whose level can change while the app runs is followed.
    const logger = this.#logger.enabled('debug') ? this.#logger : null;
    if (tracing === null && this.#metrics === null && logger === null) return NOOP_EVENT_OBSERVATION;
    return new ObservedEvent(event, key, link, worker, this.#metrics, logger, tracing);
  }
}

class ObservedEvent implements EventObservation {
  readonly #event: CallEvent;
  readonly #worker: boolean;
  readonly #metrics: DispatchMetrics | null;
  readonly #names: NameSeries | null;
  readonly #name: string;
  readonly #logger: SafeLogger | null;
  readonly #startedAt: number;
  readonly #tracing: Tracing | null;
  readonly #span: SpanLike | null = null;
  readonly #context: TraceContextLike | null = null;
  /** Whether the event's span records (a sampler may have dropped it: then no child span is made). */
  readonly #recording: boolean = false;
  #duplicate = false;
  #recorded = false;
  #ended = false;

  constructor(
    event: CallEvent,
    key: string | null,
    link: QueuedTraceContext | null,
    worker: boolean,
    metrics: DispatchMetrics | null,
    logger: SafeLogger | null,
    tracing: Tracing | null,
  ) {
    this.#event = event;
    this.#worker = worker;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#startedAt = logger === null ? 0 : performance.now();
    if (metrics !== null) {
      const names = metrics.forName(event.name);
      this.#names = names;
      this.#name = names.label;
      if (!worker) metrics.eventSeries(names, event.format).value++;
    } else {
      this.#names = null;
      this.#name = nameLabel(event.name);
    }
    this.#tracing = tracing;
    if (tracing !== null) {
      try {
        const parent = activeContext(tracing);
        const span = tracing.tracer.startSpan(EVENT_SPAN_NAME, spanOptions(event, key, link, this.#name), parent);
        this.#context = parent.setValue(SPAN_KEY, span);
        this.#span = span;
        this.#recording = span.isRecording();
      } catch {
        // A tracer that throws loses this event's spans, nothing else.
      }
    }
  }

  storeCall(): (failed: boolean) => void {
    const span = this.child(STORE_SPAN_NAME, null);
    if (span === null) return noop;
    let ended = false;
    return (failed) => {
      if (ended) return;
      ended = true;
      endSpan(span, failed, null);
    };
  }

  recorded(duplicate: boolean, callDelta: -1 | 0 | 1): void {
    if (this.#recorded) return;
    this.#recorded = true;
    this.#duplicate = duplicate;
    const metrics = this.#metrics;
    if (metrics !== null && !this.#worker) {
      if (duplicate) (this.#names as NameSeries).duplicates.value++;
      if (callDelta === 1 || callDelta === -1) metrics.callsInProgress.value += callDelta;
    }
    // The span starts with `myoperator.duplicate: false`; only a redelivery changes it.
    if (duplicate && this.#span !== null) {
      try {
        this.#span.setAttribute('myoperator.duplicate', true);
      } catch {
        // The tracer's problem, never the event's.
      }
    }
  }

  storeFailed(): void {
    if (this.#metrics !== null) this.#metrics.storeErrors.value++;
  }

  queueFailed(): void {
    if (this.#metrics !== null) this.#metrics.queueErrors.value++;
  }

  handler(name: CallEventName): HandlerObservation {
    // An event whose span is not sampled still runs its handlers in that span's context, so that their own spans
    // follow the same (negative) sampling decision.
    if (this.#metrics === null && this.#context === null) return NOOP_HANDLER_OBSERVATION;
    const names = this.#metrics === null ? null : name === this.#event.name ? this.#names : this.#metrics.forName(name);
    return new ObservedHandler(this, this.#metrics, names, name);
  }

  traceContext(): QueuedTraceContext | null {
    if (this.#span === null) return null;
    try {
      return queuedTraceContext(this.#span);
    } catch {
      return null;
    }
  }

  end(outcome: EventOutcome): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#span !== null) endSpan(this.#span, outcome === 'failed', outcome === 'failed' ? 'HandlerError' : null);
    const logger = this.#logger;
    if (logger !== null) {
      const uid = this.#event.uid;
      logger.log(
        'debug',
        {
          event: this.#name,
          uid: typeof uid === 'string' ? uid.slice(0, LOG_UID_LENGTH) : null,
          format: formatLabel(this.#event.format),
          duplicate: this.#duplicate,
          outcome,
          ms: Math.round((performance.now() - this.#startedAt) * 1000) / 1000,
        },
        this.#worker ? 'event processed' : 'event received',
      );
    }
  }

  /** The tracer and context manager this event's spans are made with (`null`: not traced). */
  get tracing(): Tracing | null {
    return this.#tracing;
  }

  /** The context holding this event's span (`null`: not traced). */
  get context(): TraceContextLike | null {
    return this.#context;
  }

  /** Starts a child span of this event's span (`null` when the event is not traced, or its span not sampled). */
  child(name: string, eventName: string | null): SpanLike | null {
    const tracing = this.#tracing;
    const parent = this.#context;
    if (tracing === null || parent === null || !this.#recording) return null;
    try {
      const options: SpanOptionsLike =
        eventName === null
          ? { kind: SPAN_KIND_INTERNAL }
          : { kind: SPAN_KIND_INTERNAL, attributes: { 'myoperator.event.name': eventName } };
      return tracing.tracer.startSpan(name, options, parent);
    } catch {
      return null;
    }
  }

  /** The event span's context with `span` in it (where a handler run's own spans nest). */
  contextWith(span: SpanLike): TraceContextLike | null {
    try {
      return this.#context?.setValue(SPAN_KEY, span) ?? null;
    } catch {
      return null;
    }
  }
}

class ObservedHandler implements HandlerObservation {
  readonly #event: ObservedEvent;
  readonly #metrics: DispatchMetrics | null;
  readonly #names: NameSeries | null;
  readonly #startedAt: number;
  readonly #span: SpanLike | null;
  readonly #context: TraceContextLike | null;
  #ended = false;

  constructor(event: ObservedEvent, metrics: DispatchMetrics | null, names: NameSeries | null, name: string) {
    this.#event = event;
    this.#metrics = metrics;
    this.#names = names;
    if (metrics !== null) {
      metrics.handlersInFlight.value++;
      this.#startedAt = performance.now();
    } else {
      this.#startedAt = 0;
    }
    const span = event.child(HANDLER_SPAN_NAME, names?.label ?? nameLabel(name));
    this.#span = span;
    this.#context = span === null ? event.context : event.contextWith(span);
  }

  run<T>(handler: () => T): T {
    const contexts = this.#event.tracing?.contexts ?? null;
    const context = this.#context;
    return contexts === null || context === null ? handler() : contexts.with(context, handler);
  }

  end(failed: boolean, thrown?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    const metrics = this.#metrics;
    if (metrics !== null) {
      metrics.handlersInFlight.value--;
      const names = this.#names as NameSeries;
      names.duration.observe((performance.now() - this.#startedAt) / 1000);
      if (failed) names.failures.value++;
    }
    if (this.#span !== null) {
      endSpan(this.#span, failed, failed ? (thrown === undefined ? '_OTHER' : describeThrown(thrown)) : null);
    }
  }
}

/** The event span's options: the attributes of the API's table, and the link to the receiving span in a worker. */
function spanOptions(
  event: CallEvent,
  key: string | null,
  link: QueuedTraceContext | null,
  name: string,
): SpanOptionsLike {
  const attributes: Record<string, string | number | boolean> = {
    'messaging.system': 'myoperator',
    'messaging.operation.type': 'process',
    'myoperator.event.name': name,
    'myoperator.duplicate': false,
  };
  const messageId = key ?? event.id;
  if (typeof messageId === 'string' && messageId !== '') {
    attributes['messaging.message.id'] = messageId.slice(0, MESSAGE_ID_LENGTH);
  }
  const { callState } = event;
  if (typeof callState === 'number' && Number.isFinite(callState)) attributes['myoperator.call_state'] = callState;
  const options: SpanOptionsLike = { kind: SPAN_KIND_CONSUMER, attributes };
  if (link !== null && isValidTraceContext(link)) {
    options.links = [
      { context: { traceId: link.traceId, spanId: link.spanId, traceFlags: link.traceFlags, isRemote: true } },
    ];
  }
  return options;
}

/** Ends a span; a failure sets the status to ERROR with no description, and `error.type` to a type's name. */
function endSpan(span: SpanLike, failed: boolean, errorType: string | null): void {
  try {
    if (failed) {
      span.setStatus({ code: SPAN_STATUS_ERROR });
      if (errorType !== null) span.setAttribute('error.type', errorType);
    }
    span.end();
  } catch {
    // The tracer's problem, never the event's.
  }
}
