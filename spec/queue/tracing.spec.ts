// Tracing across the queue, through CallEvents and BullMQ on a real redis-server: the web process's
// `process myoperator` span ends once the job is stored, and every attempt's `process myoperator` span in the
// worker links to it (the trace context travels in the job), with the handler's span as its child.

import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

import { CallEvents, RedisStore } from '../../lib';
import { BullMQQueue } from '../../lib/bullmq';
import { buildCallEvent, buildInCallLog } from '../../lib/testing';
import { AsyncLocalStorageContextManager } from '../observe/helpers/async-context-manager';
import { startRedis, type RedisServer } from '../helpers/redis-server';
import { connect, eventually } from './helpers';

jest.setTimeout(30_000);

let server: RedisServer;
let client: ReturnType<typeof connect>;
let exporter: InMemorySpanExporter;

beforeAll(async () => {
  server = await startRedis();
  client = connect(server);
  expect(context.setGlobalContextManager(new AsyncLocalStorageContextManager())).toBe(true);
  exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  expect(trace.setGlobalTracerProvider(provider)).toBe(true);
});

afterAll(async () => {
  trace.disable();
  context.disable();
  client.disconnect();
  await server.stop();
});

const named = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);

describe('tracing with a queue', () => {
  it("links each attempt's worker span to the web process's span, across Redis", async () => {
    const name = `calls-trace-${process.pid}`;
    const store = (): RedisStore => new RedisStore({ client, keyPrefix: `${name}:` });
    const web = new CallEvents({
      store: store(),
      queue: new BullMQQueue({ connection: client, name }),
      logger: false,
    });
    const worker = new CallEvents({
      store: store(),
      queue: new BullMQQueue({ connection: client, name, attempts: 2, backoffMs: 10 }),
      logger: false,
    });
    let runs = 0;
    const app = trace.getTracer('the-app');
    worker.onUserAnswered(() => {
      runs++;
      app.startSpan('crm update').end();
      if (runs === 1) throw new Error('CRM busy');
    });
    try {
      const received = await web.receive(buildCallEvent(buildInCallLog({ uid: 'n2.9.trace', call_state: '6' })));
      const [receiving] = named('process myoperator');
      worker.work();
      const done = await eventually(() => named('process myoperator').length === 3);

      expect([received, done]).toEqual([{ duplicate: false, queued: true }, true]);
      if (receiving === undefined) throw new Error('the web process made no span');
      expect(receiving.kind).toBe(SpanKind.CONSUMER);
      expect(receiving.links).toEqual([]);
      expect(receiving.attributes['messaging.message.id']).toBe('n2.9.trace:user_answered:6');
      // The web process ran no handler: its span has no handler child.
      const handlers = named('myoperator handler');
      expect(handlers.map((span) => span.parentSpanContext?.spanId)).not.toContain(receiving.spanContext().spanId);

      const attempts = named('process myoperator').filter((span) => span !== receiving);
      expect(attempts).toHaveLength(2);
      for (const attempt of attempts) {
        expect(attempt.kind).toBe(SpanKind.CONSUMER);
        expect(attempt.links).toHaveLength(1);
        expect(attempt.links[0]!.context).toMatchObject({
          traceId: receiving.spanContext().traceId,
          spanId: receiving.spanContext().spanId,
          traceFlags: receiving.spanContext().traceFlags,
          isRemote: true,
        });
        expect(attempt.attributes['messaging.message.id']).toBe('n2.9.trace:user_answered:6');
        // Its own trace, with the handler's span (and the app's span inside the handler) beneath it.
        expect(attempt.spanContext().traceId).not.toBe(receiving.spanContext().traceId);
        const handler = handlers.find((span) => span.parentSpanContext?.spanId === attempt.spanContext().spanId);
        expect(handler).toBeDefined();
        const crm = named('crm update').find(
          (span) => span.parentSpanContext?.spanId === handler?.spanContext().spanId,
        );
        expect(crm).toBeDefined();
      }
      expect(attempts.map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    } finally {
      await worker.close();
      await web.close();
    }
  });
});
