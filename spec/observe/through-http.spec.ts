// Observability end to end: a scripted run of calls through the real Router (auth, body, dispatch, store) must
// leave exact counts in a prom-client Registry, one span per event in an in-memory exporter, and one pino line
// per event, with no phone number, secret or handler text anywhere.

import { Writable } from 'node:stream';

import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import request from 'supertest';

import { CallEvents, myOperatorWebhook } from '../../lib';
import { buildInCallLog, buildScenario, buildWebhookRequest } from '../../lib/testing';
import { reportsDelivered } from '../helpers/reports';

const HEADER = 'my-super-secret-token: abc123def';
const SECRET_TEXT = 'crm refused +919711636496 abc123def';

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

async function values(registry: Registry, name: string): Promise<MetricValue[]> {
  const metric = registry.getSingleMetric(`myoperator_webhook_${name}`);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values as MetricValue[];
}

async function total(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  return (await values(registry, name))
    .filter((value) => Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected))
    .filter(
      (value) =>
        value.metricName === undefined || value.metricName.endsWith('_count') || !value.metricName.includes('_'),
    )
    .reduce((sum, value) => sum + value.value, 0);
}

describe('metrics, spans and logs through the Express Router', () => {
  const lines: Array<Record<string, unknown>> = [];
  let exporter: InMemorySpanExporter;

  beforeAll(() => {
    exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });

  afterAll(() => {
    trace.disable();
    context.disable();
  });

  it('counts a scripted run exactly', async () => {
    const registry = new Registry();
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n'))
          if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const calls = new CallEvents({ metrics: registry, logger: pino({ level: 'debug' }, destination) });
    calls.onAny(() => undefined);
    calls.onNoAnswer(() => {
      throw new Error(SECRET_TEXT);
    });
    const app = express();
    app.use('/hook', myOperatorWebhook({ auth: { headers: [HEADER] }, calls }));
    const post = async (payload: unknown) => {
      const built = buildWebhookRequest(payload, { path: '/hook', headers: [HEADER] });
      return request(app).post(built.path).set(built.headers).send(built.body);
    };

    // Two answered calls (states 1, 5, 6, 2 and the after-call log), one of them delivered twice over.
    const first = buildScenario('answered', { index: 1 });
    const second = buildScenario('answered', { index: 2 });
    for (const step of first.steps) expect((await post(step.payload)).status).toBe(200);
    for (const step of first.steps) expect((await post(step.payload)).body).toEqual({ ok: true, duplicate: true });
    for (const step of second.steps) expect((await post(step.payload)).status).toBe(200);
    // A click-to-call nobody answers: its no_answer handler fails, so it is answered 500.
    const unanswered = buildScenario('click-to-call-no-answer', { index: 3 });
    const statuses: number[] = [];
    for (const step of unanswered.steps) statuses.push((await post(step.payload)).status);
    expect(statuses).toEqual([200, 500]);
    // A wrong secret and a body that is no call log: refused before dispatch.
    const wrong = buildWebhookRequest(buildInCallLog(), { path: '/hook', headers: ['my-super-secret-token: nope'] });
    expect((await request(app).post(wrong.path).set(wrong.headers).send(wrong.body)).status).toBe(401);
    expect((await post('{not json')).status).toBe(400);
    await reportsDelivered();

    const delivered = first.steps.length * 2 + second.steps.length + unanswered.steps.length; // 10 + 5 + 2
    expect(await total(registry, 'events_total')).toBe(delivered);
    expect(await total(registry, 'events_total', { name: 'user_answered', format: 'incall-v1' })).toBe(3);
    expect(await total(registry, 'events_total', { name: 'call_summary', format: 'aftercall-v1' })).toBe(3);
    expect(await total(registry, 'duplicates_total')).toBe(first.steps.length);
    expect(await total(registry, 'duplicates_total', { name: 'incoming_call' })).toBe(1);
    expect(await total(registry, 'responses_total', { status: '200', code: 'ok' })).toBe(
      first.steps.length + second.steps.length + 1,
    );
    expect(await total(registry, 'responses_total', { status: '200', code: 'duplicate' })).toBe(first.steps.length);
    expect(await total(registry, 'responses_total', { status: '500', code: 'handler_failed' })).toBe(1);
    expect(await total(registry, 'responses_total', { status: '401', code: 'unauthorized' })).toBe(1);
    expect(await total(registry, 'responses_total', { status: '400', code: 'invalid_json' })).toBe(1);
    expect(await total(registry, 'handler_failures_total', { name: 'no_answer' })).toBe(1);
    // Handlers ran once per distinct event: the onAny one everywhere, plus the failing one on no_answer.
    const runs = (await values(registry, 'handler_duration_seconds')).filter((value) =>
      value.metricName?.endsWith('_count'),
    );
    expect(runs.reduce((sum, value) => sum + value.value, 0)).toBe(delivered - first.steps.length + 1);
    const answers = (await values(registry, 'response_duration_seconds')).find((value) =>
      value.metricName?.endsWith('_count'),
    );
    expect(answers?.value).toBe(delivered + 2);
    // Every call played ended: none is in progress, no handler is running.
    expect(await total(registry, 'calls_in_progress')).toBe(0);
    expect(await total(registry, 'handlers_in_flight')).toBe(0);
    expect(await total(registry, 'store_errors_total')).toBe(0);

    // Label values never carry a uid or a phone number.
    const text = await registry.metrics();
    expect(text).not.toMatch(/n2\.\d+|\+91\d{10}|abc123def/);

    // One span per event dispatched (duplicates included), none for the two refused requests.
    const spans = exporter.getFinishedSpans().filter((span) => span.name === 'process myoperator');
    expect(spans).toHaveLength(delivered);
    expect(new Set(spans.map((span) => span.kind))).toEqual(new Set([SpanKind.CONSUMER]));
    expect(spans.filter((span) => span.attributes['myoperator.duplicate'] === true)).toHaveLength(first.steps.length);
    const failed = spans.filter((span) => span.status.code === SpanStatusCode.ERROR);
    expect(failed.map((span) => span.attributes['myoperator.event.name'])).toEqual(['no_answer']);
    expect(
      JSON.stringify(exporter.getFinishedSpans().map((span) => [span.attributes, span.status, span.events])),
    ).not.toContain('crm refused');

    // One debug line per event, with its fields; never a phone number, the secret or the handler's text.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const received = lines.filter((line) => line.msg === '[myoperator-webhooks] event received');
    expect(received).toHaveLength(delivered);
    expect(received[0]).toMatchObject({
      level: 20,
      event: 'incoming_call',
      uid: first.uid,
      format: 'incall-v1',
      duplicate: false,
    });
    expect(lines.some((line) => line.level === 50)).toBe(true);
    expect(JSON.stringify(lines)).not.toMatch(/\+?91\d{10}|abc123def|crm refused/);
  });

  it("counts the app's own answer with respond: 'next', with the status it wrote", async () => {
    const registry = new Registry();
    const calls = new CallEvents({ metrics: registry, logger: false });
    const app = express();
    app.use('/hook', myOperatorWebhook({ auth: false, calls, respond: 'next' }));
    app.use('/hook', (_req, res) => {
      res.status(res.locals.myOperator?.duplicate === true ? 208 : 204).end();
    });
    const built = buildWebhookRequest(buildInCallLog({ uid: 'n2.1.88' }), { path: '/hook' });
    expect((await request(app).post(built.path).set(built.headers).send(built.body)).status).toBe(204);
    expect((await request(app).post(built.path).set(built.headers).send(built.body)).status).toBe(208);
    expect(await total(registry, 'responses_total', { status: '204', code: 'ok' })).toBe(1);
    expect(await total(registry, 'responses_total', { status: '208', code: 'duplicate' })).toBe(1);
  });
});
