// OpenTelemetry tracing without importing @opentelemetry/api (an optional peer; the fetch entry must bundle
// without it): the API keeps what an app registers (the tracer provider, the context manager) on one global
// object, `globalThis[Symbol.for('opentelemetry.js.api.1')]`, and its contexts and spans are plain objects
// with a documented shape. Reading that global is one property read, so tracing costs nothing while no
// provider is registered, and a provider registered later (or replaced after `trace.disable()`) is picked up.

import type { QueuedTraceContext } from '../queue/call-queue';

/** Where `@opentelemetry/api` 1.x keeps its registered globals. */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
/** The context key under which the API keeps the active span (`trace.setSpan()`, `trace.getSpan()`). */
export const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

/** `SpanKind.INTERNAL`, `SpanKind.CONSUMER`. */
export const SPAN_KIND_INTERNAL = 0;
export const SPAN_KIND_CONSUMER = 4;
/** `SpanStatusCode.ERROR`. */
export const SPAN_STATUS_ERROR = 2;

/** The name the package's tracer is obtained under. */
export const TRACER_NAME = 'myoperator-webhooks';

/** An OpenTelemetry `Context` (the API's interface). */
export interface TraceContextLike {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): TraceContextLike;
  deleteValue(key: symbol): TraceContextLike;
}

/** An OpenTelemetry `SpanContext`. */
export interface SpanContextLike {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}

type AttributeValue = string | number | boolean;

/** The part of an OpenTelemetry `Span` the package uses. */
export interface SpanLike {
  spanContext(): SpanContextLike;
  setAttribute(key: string, value: AttributeValue): unknown;
  setStatus(status: { code: number }): unknown;
  isRecording(): boolean;
  end(): void;
}

/** The options of `Tracer.startSpan` the package passes. */
export interface SpanOptionsLike {
  kind: number;
  attributes?: Record<string, AttributeValue>;
  links?: { context: SpanContextLike }[];
}

/** The part of an OpenTelemetry `Tracer` the package uses. */
export interface TracerLike {
  startSpan(name: string, options: SpanOptionsLike, context: TraceContextLike): SpanLike;
}

interface TracerProviderLike {
  getTracer(name: string): TracerLike;
}

/** The part of an OpenTelemetry `ContextManager` the package uses. */
export interface ContextManagerLike {
  active(): TraceContextLike;
  with<T>(context: TraceContextLike, fn: () => T): T;
}

interface ApiGlobal {
  trace?: TracerProviderLike;
  context?: ContextManagerLike;
}

/** A context with no values, for when no context manager is registered (the API's `ROOT_CONTEXT` works alike). */
class PlainContext implements TraceContextLike {
  readonly #values: ReadonlyMap<symbol, unknown>;
  constructor(values: ReadonlyMap<symbol, unknown> = new Map()) {
    this.#values = values;
  }
  getValue(key: symbol): unknown {
    return this.#values.get(key);
  }
  setValue(key: symbol, value: unknown): TraceContextLike {
    return new PlainContext(new Map(this.#values).set(key, value));
  }
  deleteValue(key: symbol): TraceContextLike {
    const values = new Map(this.#values);
    values.delete(key);
    return new PlainContext(values);
  }
}

const ROOT = new PlainContext();

/** What an event's spans are made with: the tracer, and the context manager when one is registered. */
export interface Tracing {
  readonly tracer: TracerLike;
  readonly contexts: ContextManagerLike | null;
}

let lastProvider: TracerProviderLike | null = null;
let lastTracing: Tracing | null = null;
let lastContexts: ContextManagerLike | null = null;

/**
 * The registered tracer provider's tracer, or `null` when no provider is registered. The tracer is kept only
 * while the same provider stays registered: `trace.disable()` and a new registration give a new one.
 */
export function currentTracing(): Tracing | null {
  const api = (globalThis as { [API_GLOBAL]?: ApiGlobal })[API_GLOBAL];
  if (api === undefined) return null;
  const provider = api.trace;
  if (provider === undefined) return null;
  const contexts = api.context ?? null;
  if (provider !== lastProvider || contexts !== lastContexts || lastTracing === null) {
    try {
      lastTracing = { tracer: provider.getTracer(TRACER_NAME), contexts };
    } catch {
      return null;
    }
    lastProvider = provider;
    lastContexts = contexts;
  }
  return lastTracing;
}

/** The active context (the registered manager's, or an empty one). */
export function activeContext(tracing: Tracing): TraceContextLike {
  return tracing.contexts === null ? ROOT : tracing.contexts.active();
}

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** Whether a trace context (from a job, so from outside) is a valid W3C one. */
export function isValidTraceContext(value: unknown): value is QueuedTraceContext {
  if (typeof value !== 'object' || value === null) return false;
  const { traceId, spanId, traceFlags } = value as Partial<Record<keyof QueuedTraceContext, unknown>>;
  return (
    typeof traceId === 'string' &&
    HEX_TRACE_ID.test(traceId) &&
    traceId !== ZERO_TRACE_ID &&
    typeof spanId === 'string' &&
    HEX_SPAN_ID.test(spanId) &&
    spanId !== ZERO_SPAN_ID &&
    typeof traceFlags === 'number' &&
    Number.isInteger(traceFlags) &&
    traceFlags >= 0 &&
    traceFlags <= 255
  );
}

/** A span's `{ traceId, spanId, traceFlags }` for a job, or `null` for a span with no valid context. */
export function queuedTraceContext(span: SpanLike): QueuedTraceContext | null {
  const { traceId, spanId, traceFlags } = span.spanContext();
  const context = { traceId, spanId, traceFlags };
  return isValidTraceContext(context) ? context : null;
}
