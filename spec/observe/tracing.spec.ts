// The OpenTelemetry spans behind the dispatcher's hooks, captured with the SDK's in-memory exporter: one
// `process myoperator` span per event with the API's attributes, children for the store call and each handler
// run (a handler's own spans nested under its run), ERROR without the error's text, the worker's link to the
// receiving span; and nothing at all while no tracer provider is registered.

import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

import type { CallEvent } from '../../lib';
import { createObserver } from '../../lib/observe/create-observer';
import { SafeLogger } from '../../lib/observe/logger';
import { NOOP_EVENT_OBSERVATION, type Observer } from '../../lib/observe/observer';
import { currentTracing } from '../../lib/observe/tracing';
import { buildCallEvent, buildInCallLog, buildV2Event } from '../../lib/testing';
import { AsyncLocalStorageContextManager } from './helpers/async-context-manager';
import { dispatch, work, type Handler } from './helpers/dispatch';

const SILENT = new SafeLogger(false);
const SECRET_TEXT = 'CRM refused +919711636496 with key abc123def';

class CrmError extends Error {
  override readonly name = 'CrmError';
}

const ok: Handler = () => undefined;
const fails: Handler = async () => {
  await Promise.resolve();
  throw new CrmError(SECRET_TEXT);
};

function inCall(uid: string, callState: number): CallEvent {
  return buildCallEvent(buildInCallLog({ uid, call_state: String(callState) }));
}

function register(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  expect(trace.setGlobalTracerProvider(provider)).toBe(true);
  return exporter;
}

function named(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}

function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = named(spans, name);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

describe('createObserver() with a tracer provider registered', () => {
  let exporter: InMemorySpanExporter;
  let observer: Observer;

  beforeAll(() => {
    expect(context.setGlobalContextManager(new AsyncLocalStorageContextManager())).toBe(true);
  });

  afterAll(() => {
    context.disable();
  });

  beforeEach(() => {
    exporter = register();
    observer = createObserver({ logger: SILENT });
  });

  afterEach(() => {
    trace.disable();
  });

  it('gives each event a CONSUMER span "process myoperator" with the messaging attributes', async () => {
    await dispatch(observer, { event: inCall('n2.1700000000.1', 6), handlers: [ok] });
    const span = only(exporter.getFinishedSpans(), 'process myoperator');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.attributes).toEqual({
      'messaging.system': 'myoperator',
      'messaging.operation.type': 'process',
      'messaging.message.id': 'n2.1700000000.1:user_answered:6',
      'myoperator.event.name': 'user_answered',
      'myoperator.call_state': 6,
      'myoperator.duplicate': false,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.instrumentationScope.name).toBe('myoperator-webhooks');
    expect(span.ended).toBe(true);
  });

  it('takes the event id as message id when the event has no de-duplication key, and omits a null call state', async () => {
    const event = buildCallEvent(buildV2Event('call.answered', { event_id: 'ev-42' }));
    await dispatch(observer, { event, key: null, handlers: [ok] });
    const span = only(exporter.getFinishedSpans(), 'process myoperator');
    expect(span.attributes['messaging.message.id']).toBe('ev-42');
    expect(span.attributes['myoperator.event.name']).toBe('user_answered');
    expect('myoperator.call_state' in span.attributes).toBe(event.callState !== null);
  });

  it('nests the store call and each handler run under the event span, and a handler’s own spans under its run', async () => {
    const app = trace.getTracer('the-app');
    const withOwnSpan: Handler = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      // After an await: the run's context must still be the active one.
      app.startSpan('crm update').end();
    };
    await dispatch(observer, { event: inCall('n2.1700000000.2', 1), handlers: [ok, withOwnSpan] });
    const spans = exporter.getFinishedSpans();
    const event = only(spans, 'process myoperator');
    const store = only(spans, 'myoperator store');
    const handlers = named(spans, 'myoperator handler');
    const own = only(spans, 'crm update');
    expect(handlers).toHaveLength(2);
    const eventId = event.spanContext().spanId;
    expect(parentOf(event)).toBeUndefined();
    expect(parentOf(store)).toBe(eventId);
    for (const handler of handlers) {
      expect(parentOf(handler)).toBe(eventId);
      expect(handler.kind).toBe(SpanKind.INTERNAL);
      expect(handler.attributes).toEqual({ 'myoperator.event.name': 'incoming_call' });
      expect(handler.spanContext().traceId).toBe(event.spanContext().traceId);
    }
    expect(handlers.map((span) => span.spanContext().spanId)).toContain(parentOf(own));
    expect(store.kind).toBe(SpanKind.INTERNAL);
  });

  it('nests the event span under the span active when dispatch starts (the HTTP server span, say)', async () => {
    const server = trace.getTracer('http').startSpan('POST /myoperator/incall');
    await context.with(trace.setSpan(context.active(), server), () =>
      dispatch(observer, { event: inCall('n2.1700000000.3', 1), handlers: [ok] }),
    );
    server.end();
    const event = only(exporter.getFinishedSpans(), 'process myoperator');
    expect(parentOf(event)).toBe(server.spanContext().spanId);
    expect(event.spanContext().traceId).toBe(server.spanContext().traceId);
  });

  it('sets ERROR on the failing handler run and on the event, without the error text', async () => {
    await dispatch(observer, { event: inCall('n2.1700000000.4', 6), handlers: [ok, fails] });
    const spans = exporter.getFinishedSpans();
    const event = only(spans, 'process myoperator');
    const runs = named(spans, 'myoperator handler');
    const failed = runs.filter((span) => span.status.code === SpanStatusCode.ERROR);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(failed[0]!.attributes['error.type']).toBe('CrmError');
    expect(failed[0]!.events).toEqual([]);
    expect(runs.filter((span) => span.status.code === SpanStatusCode.UNSET)).toHaveLength(1);
    expect(event.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(event.attributes['error.type']).toBe('HandlerError');
    const everything = JSON.stringify(
      spans.map((span) => ({ name: span.name, attributes: span.attributes, status: span.status, events: span.events })),
    );
    expect(everything).not.toMatch(/CRM refused|9711636496|abc123def/);
  });

  it('sets ERROR on a store call that failed, not on the event whose handlers then ran', async () => {
    await dispatch(observer, { event: inCall('n2.1700000000.5', 1), storeFails: true, handlers: [ok] });
    const spans = exporter.getFinishedSpans();
    expect(only(spans, 'myoperator store').status).toEqual({ code: SpanStatusCode.ERROR });
    expect(only(spans, 'process myoperator').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('gives a redelivery its own span with the same message id, marked duplicate, and no handler span', async () => {
    await dispatch(observer, { event: inCall('n2.1700000000.6', 1), handlers: [ok] });
    await dispatch(observer, { event: inCall('n2.1700000000.6', 1), duplicate: true });
    const events = named(exporter.getFinishedSpans(), 'process myoperator');
    expect(events.map((span) => span.attributes['myoperator.duplicate'])).toEqual([false, true]);
    expect(new Set(events.map((span) => span.attributes['messaging.message.id']))).toEqual(
      new Set(['n2.1700000000.6:incoming_call:1']),
    );
    expect(events[0]!.spanContext().spanId).not.toBe(events[1]!.spanContext().spanId);
    expect(named(exporter.getFinishedSpans(), 'myoperator handler')).toHaveLength(1);
  });

  it("links the worker's span to the receiving span through the job's trace context", async () => {
    const event = inCall('n2.1700000000.7', 1);
    const queued = await dispatch(observer, { event, queue: 'stored' });
    const receiving = only(exporter.getFinishedSpans(), 'process myoperator');
    expect(queued.trace).toEqual({
      traceId: receiving.spanContext().traceId,
      spanId: receiving.spanContext().spanId,
      traceFlags: receiving.spanContext().traceFlags,
    });
    exporter.reset();
    // The job crosses Redis as JSON.
    const link = JSON.parse(JSON.stringify(queued.trace)) as typeof queued.trace;
    await work(observer, event, link, [ok]);
    const spans = exporter.getFinishedSpans();
    const worker = only(spans, 'process myoperator');
    expect(worker.kind).toBe(SpanKind.CONSUMER);
    expect(worker.links).toHaveLength(1);
    expect(worker.links[0]!.context).toMatchObject({ ...queued.trace, isRemote: true });
    expect(worker.spanContext().traceId).not.toBe(receiving.spanContext().traceId);
    expect(worker.attributes['messaging.message.id']).toBe('n2.1700000000.7:incoming_call:1');
    expect(parentOf(only(spans, 'myoperator handler'))).toBe(worker.spanContext().spanId);
  });

  it('ignores a trace context from a job that is not a valid one', async () => {
    const event = inCall('n2.1700000000.8', 1);
    const garbage = [
      { traceId: 'x'.repeat(32), spanId: 'a'.repeat(16), traceFlags: 1 },
      { traceId: '0'.repeat(32), spanId: 'a'.repeat(16), traceFlags: 1 },
      { traceId: 'a'.repeat(32), spanId: 'a'.repeat(15), traceFlags: 1 },
      { traceId: 'a'.repeat(32), spanId: 'a'.repeat(16), traceFlags: 256 },
      'not an object',
    ];
    for (const link of garbage) {
      await work(observer, event, link as never, [ok]);
    }
    const workers = named(exporter.getFinishedSpans(), 'process myoperator');
    expect(workers).toHaveLength(garbage.length);
    for (const span of workers) expect(span.links).toEqual([]);
  });

  it('takes a provider registered after trace.disable() (no tracer kept across providers)', async () => {
    await dispatch(observer, { event: inCall('n2.1700000000.9', 1), handlers: [ok] });
    expect(named(exporter.getFinishedSpans(), 'process myoperator')).toHaveLength(1);
    trace.disable();
    await dispatch(observer, { event: inCall('n2.1700000000.9', 5), handlers: [ok] });
    const second = register();
    await dispatch(observer, { event: inCall('n2.1700000000.9', 6), handlers: [ok] });
    expect(exporter.getFinishedSpans()).toHaveLength(3);
    const spans = second.getFinishedSpans();
    expect(named(spans, 'process myoperator').map((span) => span.attributes['myoperator.event.name'])).toEqual([
      'user_answered',
    ]);
    expect(spans).toHaveLength(3);
  });

  it('folds an event name outside the table into "other"', async () => {
    const hostile = { ...inCall('n2.1', 1), name: '<script>alert(1)</script>' } as unknown as CallEvent;
    await dispatch(observer, { event: hostile, handlers: [ok] });
    const spans = exporter.getFinishedSpans();
    expect(only(spans, 'process myoperator').attributes['myoperator.event.name']).toBe('other');
    expect(only(spans, 'myoperator handler').attributes['myoperator.event.name']).toBe('other');
  });
});

describe('createObserver() with a sampler that drops the event', () => {
  it('makes no child span, and runs handlers in the unsampled context so their spans are dropped too', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager());
    try {
      const observer = createObserver({ logger: SILENT });
      const active: (Span | undefined)[] = [];
      const queued = await dispatch(observer, { event: inCall('n2.1700000002.1', 1), queue: 'stored' });
      await dispatch(observer, {
        event: inCall('n2.1700000002.1', 5),
        handlers: [
          () => {
            active.push(trace.getActiveSpan());
            trace.getTracer('the-app').startSpan('crm update').end();
          },
        ],
      });
      expect(exporter.getFinishedSpans()).toEqual([]);
      expect(active).toHaveLength(1);
      expect(active[0]?.isRecording()).toBe(false);
      expect(active[0]?.spanContext().traceFlags).toBe(0);
      // The job still carries the (unsampled) context, so a worker's span can link to it.
      expect(queued.trace).toMatchObject({ traceFlags: 0 });
    } finally {
      trace.disable();
      context.disable();
    }
  });
});

describe('createObserver() with a tracer provider but no context manager', () => {
  it('still parents the children to the event span (handlers run as they are)', async () => {
    const exporter = register();
    try {
      const observer = createObserver({ logger: SILENT });
      let active: Span | undefined;
      await dispatch(observer, {
        event: inCall('n2.1700000001.1', 1),
        handlers: [
          () => {
            active = trace.getActiveSpan();
          },
        ],
      });
      const spans = exporter.getFinishedSpans();
      const event = only(spans, 'process myoperator');
      expect(parentOf(only(spans, 'myoperator store'))).toBe(event.spanContext().spanId);
      expect(parentOf(only(spans, 'myoperator handler'))).toBe(event.spanContext().spanId);
      expect(active).toBeUndefined();
    } finally {
      trace.disable();
    }
  });
});

describe('createObserver() with no tracer provider registered', () => {
  it('reads nothing but the global and gives the shared no-op observation', async () => {
    expect(currentTracing()).toBeNull();
    const observer = createObserver({ logger: SILENT });
    expect(observer.event(inCall('n2.1', 1), 'k')).toBe(NOOP_EVENT_OBSERVATION);
    expect(observer.job(inCall('n2.1', 1), 'k', null)).toBe(NOOP_EVENT_OBSERVATION);
    await expect(dispatch(observer, { event: inCall('n2.1', 1), queue: 'stored' })).resolves.toEqual({
      outcome: 'queued',
      trace: null,
    });
  });

  it('stays without spans when only a context manager is registered', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager());
    try {
      expect(currentTracing()).toBeNull();
      expect(createObserver({ logger: SILENT }).event(inCall('n2.1', 1), 'k')).toBe(NOOP_EVENT_OBSERVATION);
    } finally {
      context.disable();
    }
  });
});
