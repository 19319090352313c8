// The Prometheus metrics behind the dispatcher's hooks: what a scripted run of calls must count (exact), how a
// prom-client Registry renders the package's collectors (the same text and JSON as prom-client's own metrics),
// a registry shared by two dispatchers, label values folded, and the `metrics` option checked.

import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';

import { CALL_EVENT_NAMES, type CallEvent } from '../../lib';
import { ERROR_STATUS } from '../../lib/core/errors';
import { createObserver } from '../../lib/observe/create-observer';
import { SafeLogger } from '../../lib/observe/logger';
import {
  DispatchMetrics,
  DURATION_BUCKETS,
  METRIC_NAMES,
  readMetricsOption,
  RESPONSE_CODES,
  type MetricsRegistry,
} from '../../lib/observe/metrics';
import type { Observer } from '../../lib/observe/observer';
import { buildAfterCallLog, buildCallEvent, buildInCallLog, buildV2Event } from '../../lib/testing';
import { dispatch, work, type Handler } from './helpers/dispatch';

const P = 'myoperator_webhook_';
const SILENT = new SafeLogger(false);

const ok: Handler = () => undefined;
const okLater: Handler = () => new Promise((resolve) => setTimeout(resolve, 1));
const fails: Handler = () => {
  throw new Error('CRM refused +919711636496 with key abc123def');
};

function inCall(uid: string, callState: number): CallEvent {
  return buildCallEvent(buildInCallLog({ uid, call_state: String(callState) }));
}

function v2(eventType: string, sessionId: string): CallEvent {
  return buildCallEvent(buildV2Event(eventType, { session_id: sessionId, event_id: `${sessionId}-${eventType}` }));
}

/** A Registry of a content type (prom-client's typings declare no constructor parameter). */
function registryOf(contentType: RegistryContentType): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(contentType);
  return registry;
}

type Json = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** The values of one metric, as `labels -> value` (labels as `k=v,k=v`, `metricName` first for histograms). */
function valuesOf(json: Json, name: string): Record<string, number> {
  const metric = json.find((entry) => entry.name === name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const values: Record<string, number> = {};
  for (const value of metric.values) {
    const labels = Object.entries(value.labels)
      .map(([key, label]) => `${key}=${String(label)}`)
      .join(',');
    const metricName = (value as { metricName?: string }).metricName;
    values[metricName === undefined ? labels : `${metricName.slice(name.length) || '.'}{${labels}}`] = value.value;
  }
  return values;
}

/** The `_count` series of a histogram, by label text. */
function countsOf(json: Json, name: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(valuesOf(json, name))) {
    const match = /^_count\{(.*)\}$/.exec(key);
    if (match) counts[match[1]!] = value;
  }
  return counts;
}

/** A scripted run of calls, driven through the hooks as the dispatcher would; returns what it answered. */
async function scriptedRun(observer: Observer): Promise<void> {
  const answer = (status: number, code: string): void => observer.response(status, code, 0.002);
  const a = 'n2.1700000000.1';
  // Call A: a whole answered call, one handler failing once, a redelivery, the after-call log last.
  await dispatch(observer, { event: inCall(a, 1), callDelta: 1, handlers: [ok] });
  answer(200, 'ok');
  await dispatch(observer, { event: inCall(a, 5), handlers: [okLater] });
  answer(200, 'ok');
  await dispatch(observer, { event: inCall(a, 6), handlers: [ok, fails] });
  answer(500, 'handler_failed');
  await dispatch(observer, { event: inCall(a, 1), duplicate: true });
  answer(200, 'duplicate');
  await dispatch(observer, { event: inCall(a, 6), handlers: [ok, okLater] });
  answer(200, 'ok');
  await dispatch(observer, { event: inCall(a, 2), callDelta: -1, handlers: [ok] });
  answer(200, 'ok');
  // A second event that ends the call: the dispatcher's delta is 0, so calls_in_progress does not move.
  await dispatch(observer, { event: buildCallEvent(buildAfterCallLog()), callDelta: 0, handlers: [ok] });
  answer(200, 'ok');
  // Call B (Webhook v2): starts, then the store fails (handlers still run, nothing recorded).
  await dispatch(observer, { event: v2('call.initiated', 'b-1'), callDelta: 1, handlers: [ok] });
  answer(200, 'ok');
  await dispatch(observer, { event: v2('call.dial_begin', 'b-1'), storeFails: true, handlers: [ok] });
  answer(200, 'ok');
  // Call C, with a queue: queued, run by a worker that fails the first attempt; then the queue fails.
  const c = 'n2.1700000000.3';
  const queued = await dispatch(observer, { event: inCall(c, 1), callDelta: 1, queue: 'stored' });
  answer(200, 'ok');
  await work(observer, inCall(c, 1), queued.trace, [fails]);
  await work(observer, inCall(c, 1), queued.trace, [ok]);
  await dispatch(observer, { event: inCall(c, 5), queue: 'fails', handlers: [ok] });
  answer(200, 'ok');
  // An event built by hand with a name and a format the package does not know.
  const hostile = { ...inCall('x', 1), name: '<img src=x onerror=alert(1)>', format: 'evil' } as unknown as CallEvent;
  await dispatch(observer, { event: hostile, handlers: [ok] });
  answer(200, 'ok');
  // Requests refused before dispatch count only as responses.
  answer(401, 'unauthorized');
  answer(422, 'invalid_call_log');
  answer(999, '</script><script>alert(1)</script>');
}

describe('createObserver({ metrics })', () => {
  describe('after a scripted run of calls', () => {
    let registry: Registry;
    let json: Json;

    beforeAll(async () => {
      registry = new Registry();
      await scriptedRun(createObserver({ metrics: registry, logger: SILENT }));
      json = await registry.getMetricsAsJSON();
    });

    it('registers the ten metrics of the API, with their types, once each', () => {
      expect(json.map(({ name, type }) => `${name} ${type}`)).toEqual([
        `${P}events_total counter`,
        `${P}duplicates_total counter`,
        `${P}responses_total counter`,
        `${P}handler_failures_total counter`,
        `${P}store_errors_total counter`,
        `${P}queue_errors_total counter`,
        `${P}handler_duration_seconds histogram`,
        `${P}response_duration_seconds histogram`,
        `${P}calls_in_progress gauge`,
        `${P}handlers_in_flight gauge`,
      ]);
      expect(METRIC_NAMES).toEqual(json.map(({ name }) => name));
    });

    it('counts every event that reached dispatch, duplicates included, by name and format (not again in workers)', () => {
      expect(valuesOf(json, `${P}events_total`)).toEqual({
        'name=incoming_call,format=incall-v1': 3,
        'name=dialing_users,format=incall-v1': 2,
        'name=user_answered,format=incall-v1': 2,
        'name=call_finished,format=incall-v1': 1,
        'name=call_summary,format=aftercall-v1': 1,
        'name=incoming_call,format=v2': 1,
        'name=dialing_users,format=v2': 1,
        'name=other,format=other': 1,
      });
    });

    it('counts duplicates, handler failures (each failing run), store and queue errors', () => {
      expect(valuesOf(json, `${P}duplicates_total`)).toEqual({ 'name=incoming_call': 1 });
      expect(valuesOf(json, `${P}handler_failures_total`)).toEqual({
        'name=user_answered': 1,
        'name=incoming_call': 1,
      });
      expect(valuesOf(json, `${P}store_errors_total`)).toEqual({ '': 1 });
      expect(valuesOf(json, `${P}queue_errors_total`)).toEqual({ '': 1 });
    });

    it('observes handler_duration_seconds once per handler run (a duplicate runs none, a worker attempt runs)', () => {
      expect(countsOf(json, `${P}handler_duration_seconds`)).toEqual({
        'name=incoming_call': 4,
        'name=dialing_users': 3,
        'name=user_answered': 4,
        'name=call_finished': 1,
        'name=call_summary': 1,
        'name=other': 1,
      });
      const values = valuesOf(json, `${P}handler_duration_seconds`);
      // The +Inf bucket holds every run; each run took well under 10 s.
      expect(values['_bucket{le=+Inf,name=user_answered}']).toBe(4);
      expect(values['_bucket{le=10,name=user_answered}']).toBe(4);
      expect(values['_sum{name=user_answered}']).toBeGreaterThan(0);
    });

    it('counts responses by status and code, refused requests included, hostile values folded', () => {
      expect(valuesOf(json, `${P}responses_total`)).toEqual({
        'status=200,code=ok': 10,
        'status=500,code=handler_failed': 1,
        'status=200,code=duplicate': 1,
        'status=401,code=unauthorized': 1,
        'status=422,code=invalid_call_log': 1,
        'status=other,code=other': 1,
      });
      const durations = valuesOf(json, `${P}response_duration_seconds`);
      expect(durations['_count{}']).toBe(15);
      expect(durations['_bucket{le=0.005}']).toBe(15);
      expect(durations['_bucket{le=+Inf}']).toBe(15);
      expect(durations['_sum{}']).toBeCloseTo(0.03, 10);
    });

    it('keeps calls_in_progress to calls started and not ended, and handlers_in_flight back at 0', () => {
      // A: +1 then -1 (its second end event changes nothing); B and C started and never ended.
      expect(valuesOf(json, `${P}calls_in_progress`)).toEqual({ '': 2 });
      expect(valuesOf(json, `${P}handlers_in_flight`)).toEqual({ '': 0 });
    });

    it('renders the Prometheus text exposition with bounded label values only', async () => {
      const text = await registry.metrics();
      expect(text).toContain(`# HELP ${P}events_total Call events that reached dispatch, duplicates included\n`);
      expect(text).toContain(`# TYPE ${P}events_total counter\n`);
      expect(text).toContain(`${P}events_total{name="incoming_call",format="incall-v1"} 3\n`);
      expect(text).toContain(`${P}events_total{name="other",format="other"} 1\n`);
      expect(text).toContain(`${P}handler_duration_seconds_bucket{le="+Inf",name="user_answered"} 4\n`);
      expect(text).toContain(`${P}handler_duration_seconds_count{name="user_answered"} 4\n`);
      expect(text).toContain(`${P}responses_total{status="other",code="other"} 1\n`);
      expect(text).toContain(`${P}calls_in_progress 2\n`);
      expect(text).toContain(`${P}store_errors_total 1\n`);
      // Every label value is one of the known sets: no uid, phone number, markup or error text.
      const labelValues = [...text.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => `${key!}=${value!}`);
      const allowed = new Set([
        ...[...CALL_EVENT_NAMES, 'other'].map((name) => `name=${name}`),
        ...['incall-v1', 'query', 'aftercall-v1', 'v2', 'other'].map((format) => `format=${format}`),
        ...[...RESPONSE_CODES, 'other'].map((code) => `code=${code}`),
        ...['200', '401', '422', '500', 'other'].map((status) => `status=${status}`),
        ...[...DURATION_BUCKETS.map(String), '+Inf'].map((bound) => `le=${bound}`),
      ]);
      expect(labelValues.filter((value) => !allowed.has(value))).toEqual([]);
      expect(text).not.toMatch(/n2\.1700000000|9711636496|abc123def|<|alert/);
    });

    it('shows handlers_in_flight while a handler runs', async () => {
      const inFlight = async (): Promise<number> => {
        const metric = registry.getSingleMetric(`${P}handlers_in_flight`) as unknown as Gauge;
        return (await metric.get()).values[0]!.value;
      };
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const observer = createObserver({ metrics: registry, logger: SILENT });
      const running = dispatch(observer, { event: inCall('n2.1700000000.9', 6), handlers: [() => gate, () => gate] });
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(await inFlight()).toBe(2);
      open();
      await running;
      expect(await inFlight()).toBe(0);
    });
  });

  it('counts once when recorded(), a handler end() or end() is called a second time', async () => {
    const registry = new Registry();
    const observer = createObserver({ metrics: registry, logger: SILENT });
    const seen = observer.event(inCall('n2.1700000000.5', 1), null);
    seen.recorded(true, 1);
    seen.recorded(true, 1);
    const run = seen.handler('incoming_call');
    run.end(true, new Error('x'));
    run.end(true, new Error('x'));
    seen.end('failed');
    seen.end('failed');
    const json = await registry.getMetricsAsJSON();
    expect(valuesOf(json, `${P}duplicates_total`)).toEqual({ 'name=incoming_call': 1 });
    expect(valuesOf(json, `${P}calls_in_progress`)).toEqual({ '': 1 });
    expect(valuesOf(json, `${P}handler_failures_total`)).toEqual({ 'name=incoming_call': 1 });
    expect(countsOf(json, `${P}handler_duration_seconds`)).toEqual({ 'name=incoming_call': 1 });
    expect(valuesOf(json, `${P}handlers_in_flight`)).toEqual({ '': 0 });
  });

  describe('on a registry shared by several dispatchers', () => {
    it('reuses the metrics the first registered, and the counts add up', async () => {
      const registry = new Registry();
      const first = createObserver({ metrics: registry, logger: SILENT });
      const second = createObserver({ metrics: registry, logger: SILENT });
      await dispatch(first, { event: inCall('n2.1.1', 1), callDelta: 1, handlers: [ok] });
      await dispatch(second, { event: inCall('n2.1.2', 1), callDelta: 1, handlers: [fails] });
      await dispatch(second, { event: inCall('n2.1.1', 1), duplicate: true });
      first.response(200, 'ok', 0.001);
      second.response(200, 'ok', 0.001);
      const json = await registry.getMetricsAsJSON();
      expect(json).toHaveLength(10);
      expect(valuesOf(json, `${P}events_total`)).toEqual({ 'name=incoming_call,format=incall-v1': 3 });
      expect(valuesOf(json, `${P}duplicates_total`)).toEqual({ 'name=incoming_call': 1 });
      expect(valuesOf(json, `${P}handler_failures_total`)).toEqual({ 'name=incoming_call': 1 });
      expect(countsOf(json, `${P}handler_duration_seconds`)).toEqual({ 'name=incoming_call': 2 });
      expect(valuesOf(json, `${P}responses_total`)).toEqual({ 'status=200,code=ok': 2 });
      expect(valuesOf(json, `${P}calls_in_progress`)).toEqual({ '': 2 });
    });

    it('refuses a registry holding a metric of one of its names that it did not make', () => {
      const registry = new Registry();
      new Counter({ name: `${P}events_total`, help: 'mine', labelNames: ['name'], registers: [registry] });
      expect(() => createObserver({ metrics: registry, logger: SILENT })).toThrow(
        new TypeError(
          `[myoperator-webhooks] CallEvents: "metrics" already holds a metric named "${P}events_total" that this package did not make`,
        ),
      );
    });

    it('takes the metrics of another copy of the package (same mark and shape, another class)', async () => {
      const registry = new Registry();
      new DispatchMetrics(registry);
      let copy: typeof import('../../lib/observe/create-observer') | undefined;
      jest.isolateModules(() => {
        copy = jest.requireActual<typeof import('../../lib/observe/create-observer')>(
          '../../lib/observe/create-observer',
        );
      });
      const observer = copy!.createObserver({ metrics: registry, logger: SILENT });
      await dispatch(observer, { event: inCall('n2.1.1', 1), handlers: [ok] });
      expect(valuesOf(await registry.getMetricsAsJSON(), `${P}events_total`)).toEqual({
        'name=incoming_call,format=incall-v1': 1,
      });
    });
  });

  describe('as a prom-client Registry handles metrics', () => {
    it('resets with resetMetrics(), and counts on afterwards', async () => {
      const registry = new Registry();
      const observer = createObserver({ metrics: registry, logger: SILENT });
      await dispatch(observer, { event: inCall('n2.1.1', 1), callDelta: 1, handlers: [ok] });
      registry.resetMetrics();
      let json = await registry.getMetricsAsJSON();
      expect(valuesOf(json, `${P}events_total`)).toEqual({});
      expect(valuesOf(json, `${P}calls_in_progress`)).toEqual({ '': 0 });
      expect(valuesOf(json, `${P}store_errors_total`)).toEqual({ '': 0 });
      await dispatch(observer, { event: inCall('n2.1.2', 2), handlers: [ok] });
      json = await registry.getMetricsAsJSON();
      expect(valuesOf(json, `${P}events_total`)).toEqual({ 'name=call_finished,format=incall-v1': 1 });
      expect(countsOf(json, `${P}handler_duration_seconds`)).toEqual({ 'name=call_finished': 1 });
    });

    it('gives each metric by getSingleMetric() and getSingleMetricAsString()', async () => {
      const registry = new Registry();
      createObserver({ metrics: registry, logger: SILENT }).response(202, 'pending', 0.25);
      for (const name of METRIC_NAMES) expect(registry.getSingleMetric(name)).toBeDefined();
      expect(await registry.getSingleMetricAsString(`${P}responses_total`)).toBe(
        `# HELP ${P}responses_total Answers to webhook requests, by HTTP status and code\n` +
          `# TYPE ${P}responses_total counter\n` +
          `${P}responses_total{status="202",code="pending"} 1`,
      );
    });

    it('adds default labels and merges registries like its own metrics', async () => {
      const registry = new Registry();
      registry.setDefaultLabels({ service: 'crm' });
      createObserver({ metrics: registry, logger: SILENT }).response(200, 'ok', 0.001);
      expect(await registry.metrics()).toContain(`${P}responses_total{status="200",code="ok",service="crm"} 1\n`);
      const json = await registry.getMetricsAsJSON();
      expect(valuesOf(json, `${P}store_errors_total`)).toEqual({ 'service=crm': 0 });
      const merged = Registry.merge([registry, new Registry()]);
      expect(await merged.getSingleMetricAsString(`${P}store_errors_total`)).toContain(`${P}store_errors_total 0`);
    });

    it("aggregates over cluster workers' JSON with its aggregator (sum)", async () => {
      const one = new Registry();
      const two = new Registry();
      await dispatch(createObserver({ metrics: one, logger: SILENT }), { event: inCall('a', 1), callDelta: 1 });
      await dispatch(createObserver({ metrics: two, logger: SILENT }), { event: inCall('b', 1), callDelta: 1 });
      const aggregated = AggregatorRegistry.aggregate([await one.getMetricsAsJSON(), await two.getMetricsAsJSON()]);
      const text = await aggregated.metrics();
      expect(text).toContain(`${P}events_total{name="incoming_call",format="incall-v1"} 2\n`);
      expect(text).toContain(`${P}calls_in_progress 2\n`);
    });

    // The same observations given to prom-client's own Counter, Histogram and Gauge render the same way.
    describe.each([
      ['Prometheus', Registry.PROMETHEUS_CONTENT_TYPE],
      ['OpenMetrics', Registry.OPENMETRICS_CONTENT_TYPE],
    ] as const)('in the %s format', (_format, contentType) => {
      it("renders exactly as prom-client's own metrics, as text and as JSON", async () => {
        const ours = registryOf(contentType);
        const theirs = registryOf(contentType);
        const metrics = new DispatchMetrics(ours);
        const registers = [theirs];
        const help = async (name: string): Promise<string> =>
          (await (ours.getSingleMetric(`${P}${name}`) as unknown as Counter).get()).help;
        const counter = async (name: string, labelNames: string[]): Promise<Counter> =>
          new Counter({ name: `${P}${name}`, help: await help(name), labelNames, registers });
        const histogram = async (name: string, labelNames: string[]): Promise<Histogram> =>
          new Histogram({ name: `${P}${name}`, help: await help(name), labelNames, registers });
        const gauge = async (name: string): Promise<Gauge> =>
          new Gauge({ name: `${P}${name}`, help: await help(name), registers });
        const events = await counter('events_total', ['name', 'format']);
        const duplicates = await counter('duplicates_total', ['name']);
        const responses = await counter('responses_total', ['status', 'code']);
        const failures = await counter('handler_failures_total', ['name']);
        const storeErrors = await counter('store_errors_total', []);
        await counter('queue_errors_total', []);
        const durations = await histogram('handler_duration_seconds', ['name']);
        const responseDurations = await histogram('response_duration_seconds', []);
        const calls = await gauge('calls_in_progress');
        await gauge('handlers_in_flight');

        // In table order (ours are created in that order; prom-client's in the order first used).
        const incoming = metrics.forName('incoming_call');
        metrics.eventSeries(incoming, 'incall-v1').value += 2;
        events.inc({ name: 'incoming_call', format: 'incall-v1' }, 2);
        metrics.eventSeries(metrics.forName('user_answered'), 'v2').value += 1;
        events.inc({ name: 'user_answered', format: 'v2' });
        incoming.duplicates.value++;
        duplicates.inc({ name: 'incoming_call' });
        metrics.forName('call_finished').failures.value++;
        failures.inc({ name: 'call_finished' });
        metrics.storeErrors.value += 3;
        storeErrors.inc(3);
        for (const seconds of [0.004, 0.5, 0.0625, 3, 12]) {
          incoming.duration.observe(seconds);
          durations.observe({ name: 'incoming_call' }, seconds);
        }
        metrics.forName('disposition').duration.observe(0.25);
        durations.observe({ name: 'disposition' }, 0.25);
        metrics.response(200, 'ok', 0.125);
        responses.inc({ status: '200', code: 'ok' });
        responseDurations.observe(0.125);
        metrics.response(413, 'payload_too_large', 0.0078125);
        responses.inc({ status: '413', code: 'payload_too_large' });
        responseDurations.observe(0.0078125);
        metrics.callsInProgress.value += 5;
        calls.inc(5);
        metrics.callsInProgress.value -= 1;
        calls.dec(1);

        expect(await ours.metrics()).toBe(await theirs.metrics());
        const withoutExemplars = (json: Json): unknown =>
          JSON.parse(JSON.stringify(json, (key, value: unknown) => (key === 'exemplar' ? undefined : value)));
        expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(
          withoutExemplars(await theirs.getMetricsAsJSON()),
        );
      });
    });
  });

  it('takes every error code of ERROR_STATUS, and ok, duplicate, pending, as code labels', () => {
    expect([...RESPONSE_CODES].sort()).toEqual(['ok', 'duplicate', 'pending', ...Object.keys(ERROR_STATUS)].sort());
  });
});

describe('readMetricsOption()', () => {
  it('gives null for no metrics', () => {
    expect(readMetricsOption(undefined)).toBeNull();
    expect(readMetricsOption(false)).toBeNull();
  });

  it('takes a prom-client Registry (its type included) as it is', () => {
    const registry = new Registry();
    const typed: MetricsRegistry = registry;
    expect(readMetricsOption(typed)).toBe(registry);
    const openMetrics: MetricsRegistry = registryOf(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(readMetricsOption(openMetrics)).toBe(openMetrics);
  });

  it.each([
    ['an object without the methods', {}],
    ['a null-prototype object', Object.create(null) as unknown],
    ['only registerMetric', { registerMetric: () => undefined }],
    ['a string', 'prom-client'],
    ['true', true],
    ['null', null],
    ['a function', () => undefined],
  ])('refuses %s with a TypeError', (_label, value) => {
    expect(() => readMetricsOption(value)).toThrow(
      new TypeError('[myoperator-webhooks] CallEvents: "metrics" must be a prom-client Registry'),
    );
  });
});
