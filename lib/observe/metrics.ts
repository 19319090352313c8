// The package's Prometheus metrics, as small collectors that a prom-client `Registry` takes through
// `registerMetric()` and renders like its own: prom-client is never imported (it is an optional peer, and the
// fetch entry must load without Node-only packages). Every label series is built once, up front, so counting an
// event is a field increment on an object found by the event's name: no label object or key string per call.

import { CALL_EVENT_NAMES } from '../core/call-states';
import type { CallEventFormat } from '../core/call-event';
import { ERROR_STATUS } from '../core/errors';
import { optionError } from '../core/options';

/**
 * What the package needs of a metrics registry: the two methods of prom-client's `Registry` it calls. Any
 * `Registry` of prom-client 15 (`new Registry()`, `register`, an `AggregatorRegistry`) fits.
 * @example import { register } from 'prom-client'; new CallEvents({ metrics: register });
 */
export interface MetricsRegistry {
  registerMetric(metric: object): void;
  getSingleMetric(name: string): unknown;
}

/** Every metric name starts with this. */
export const METRIC_PREFIX = 'myoperator_webhook_';

/** The label value that stands for any value outside the known set. */
export const OTHER_LABEL = 'other';

/**
 * prom-client's default histogram buckets, in seconds (a fixed list: observing a value scans it, nothing is
 * allocated).
 */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

// Every format of the `CallEventFormat` union, checked by the compiler both ways (a format added to the union
// and missing here, or one here that the union lacks, does not compile).
const FORMAT_SET: Record<CallEventFormat, true> = { 'incall-v1': true, query: true, 'aftercall-v1': true, v2: true };
const FORMATS = Object.keys(FORMAT_SET) as CallEventFormat[];

/** The `code` label values of `responses_total`: every error code, and the three success answers. */
export const RESPONSE_CODES: readonly string[] = Object.freeze([
  'ok',
  'duplicate',
  'pending',
  ...Object.keys(ERROR_STATUS),
]);

const NAME_LABELS: ReadonlySet<string> = new Set(CALL_EVENT_NAMES);
const CODE_LABELS: ReadonlySet<string> = new Set(RESPONSE_CODES);

/** An event name as a label value: one of the call-state table's names, else `other`. */
export function nameLabel(name: unknown): string {
  return typeof name === 'string' && NAME_LABELS.has(name) ? name : OTHER_LABEL;
}

/** A format as a label value: one of `CallEventFormat`, else `other`. */
export function formatLabel(format: unknown): string {
  return typeof format === 'string' && Object.hasOwn(FORMAT_SET, format) ? format : OTHER_LABEL;
}

/** A response code as a label value: an error code, `ok`, `duplicate` or `pending`, else `other`. */
export function codeLabel(code: unknown): string {
  return typeof code === 'string' && CODE_LABELS.has(code) ? code : OTHER_LABEL;
}

/** An HTTP status as a label value: an integer from 100 to 599, else `other`. */
export function statusLabel(status: unknown): string {
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599
    ? String(status)
    : OTHER_LABEL;
}

type Labels = Readonly<Record<string, string>>;

/** One value of a counter or a gauge, for one set of label values. */
export class ValueSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
}

/** One histogram, for one set of label values. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last one is `+Inf`. */
  readonly counts: number[] = new Array<number>(DURATION_BUCKETS.length + 1).fill(0);
  sum = 0;
  count = 0;
  constructor(readonly labels: Labels) {}

  observe(seconds: number): void {
    // A clock that went backwards (or a NaN) must not poison the sum.
    const value = seconds > 0 ? seconds : 0;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && value > (DURATION_BUCKETS[bucket] as number)) bucket++;
    (this.counts[bucket] as number)++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** Marks the collectors this package made (`Symbol.for`, so two copies of the package recognise each other's). */
const COLLECTOR = Symbol.for('myoperator-webhooks.metric');
/** The shape version of a collector: a copy of the package that shares a registry must use the same shape. */
const COLLECTOR_SHAPE = 1;

/** One value of a metric as prom-client's `get()` gives it. */
export interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** A metric as prom-client's `get()` gives it. */
export interface MetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

/**
 * What a prom-client registry reads of a metric: `name` (written to by an OpenMetrics registry, which strips
 * `_total` from counters, so it is a plain writable field), `help`, `type`, `aggregator`, `get()`, `reset()`.
 */
abstract class Collector<S extends ValueSeries | HistogramSeries> {
  readonly [COLLECTOR] = COLLECTOR_SHAPE;
  name: string;
  readonly help: string;
  abstract readonly type: MetricSnapshot['type'];
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly string[];
  readonly #series = new Map<string, S>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    if (labelNames.length === 0) this.series('', {});
  }

  protected abstract create(labels: Labels): S;

  /** The series for one set of label values (found by `key`), created on first use. Not for the hot path. */
  series(key: string, labels: Labels): S {
    let series = this.#series.get(key);
    if (series === undefined) {
      series = this.create(Object.freeze({ ...labels }));
      this.#series.set(key, series);
    }
    return series;
  }

  /** The unlabelled series. */
  get only(): S {
    return this.series('', {});
  }

  protected abstract snapshot(series: S, values: MetricValue[], always: boolean): void;

  /** The metric as prom-client's metrics give it (fresh objects: a registry may change them). */
  get(): Promise<MetricSnapshot> {
    const values: MetricValue[] = [];
    const always = this.labelNames.length === 0;
    for (const series of this.#series.values()) this.snapshot(series, values, always);
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** Sets every series back to zero (`registry.resetMetrics()`); the series objects stay, as the hot path holds them. */
  reset(): void {
    for (const series of this.#series.values()) {
      if (series instanceof HistogramSeries) series.reset();
      else series.value = 0;
    }
  }
}

/** One number per series; a labelled series shows once it is not 0, like prom-client's. */
abstract class ValueCollector extends Collector<ValueSeries> {
  protected create(labels: Labels): ValueSeries {
    return new ValueSeries(labels);
  }
  protected snapshot(series: ValueSeries, values: MetricValue[], always: boolean): void {
    if (always || series.value !== 0) values.push({ value: series.value, labels: { ...series.labels } });
  }
}

/** A counter. */
export class CounterCollector extends ValueCollector {
  readonly type = 'counter';
}

/** A gauge (only unlabelled ones here). */
export class GaugeCollector extends ValueCollector {
  readonly type = 'gauge';
}

/** A histogram with {@link DURATION_BUCKETS}, rendered as prom-client renders its own (`_bucket`, `_sum`, `_count`). */
export class HistogramCollector extends Collector<HistogramSeries> {
  readonly type = 'histogram';
  protected create(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels);
  }
  protected snapshot(series: HistogramSeries, values: MetricValue[], always: boolean): void {
    if (!always && series.count === 0) return;
    const bucketName = `${this.name}_bucket`;
    let cumulative = 0;
    DURATION_BUCKETS.forEach((bound, index) => {
      cumulative += series.counts[index] as number;
      values.push({ value: cumulative, labels: { le: bound, ...series.labels }, metricName: bucketName });
    });
    values.push({ value: series.count, labels: { le: '+Inf', ...series.labels }, metricName: bucketName });
    values.push({ value: series.sum, labels: { ...series.labels }, metricName: `${this.name}_sum` });
    values.push({ value: series.count, labels: { ...series.labels }, metricName: `${this.name}_count` });
  }
}

type AnyCollector = CounterCollector | GaugeCollector | HistogramCollector;

/** The package's metrics: names (without the prefix), types, help and labels, as the API documents them. */
const DEFINITIONS = {
  events_total: {
    make: CounterCollector,
    help: 'Call events that reached dispatch, duplicates included',
    labels: ['name', 'format'],
  },
  duplicates_total: { make: CounterCollector, help: 'Redelivered call events (no handler ran)', labels: ['name'] },
  responses_total: {
    make: CounterCollector,
    help: 'Answers to webhook requests, by HTTP status and code',
    labels: ['status', 'code'],
  },
  handler_failures_total: { make: CounterCollector, help: 'Handler runs that failed', labels: ['name'] },
  store_errors_total: { make: CounterCollector, help: 'Call store failures (errors and timeouts)', labels: [] },
  queue_errors_total: { make: CounterCollector, help: 'Call queue failures (errors and timeouts)', labels: [] },
  handler_duration_seconds: {
    make: HistogramCollector,
    help: 'Duration of each handler run, in seconds',
    labels: ['name'],
  },
  response_duration_seconds: {
    make: HistogramCollector,
    help: 'Time from a request reaching the package to its answer, in seconds',
    labels: [],
  },
  calls_in_progress: {
    make: GaugeCollector,
    help: 'Calls whose first event was seen and no event that ends the call yet (sum it over instances)',
    labels: [],
  },
  handlers_in_flight: { make: GaugeCollector, help: 'Handler runs started and not yet settled', labels: [] },
} as const satisfies Record<
  string,
  {
    make: new (name: string, help: string, labels: readonly string[]) => AnyCollector;
    help: string;
    labels: readonly string[];
  }
>;

type MetricKey = keyof typeof DEFINITIONS;

const TYPES = new Map<unknown, MetricSnapshot['type']>([
  [CounterCollector, 'counter'],
  [GaugeCollector, 'gauge'],
  [HistogramCollector, 'histogram'],
]);
type CollectorOf<K extends MetricKey> = InstanceType<(typeof DEFINITIONS)[K]['make']>;

/** Every full metric name, in the order they are registered. */
export const METRIC_NAMES: readonly string[] = Object.freeze(
  Object.keys(DEFINITIONS).map((key) => `${METRIC_PREFIX}${key}`),
);

/**
 * Reads the `metrics` option: `undefined` or `false` for none, else something shaped like a prom-client
 * `Registry` (its `registerMetric` and `getSingleMetric` methods).
 * @throws TypeError `[myoperator-webhooks] <factory>: "metrics" must be a prom-client Registry`
 */
export function readMetricsOption(value: unknown, factory = 'CallEvents'): MetricsRegistry | null {
  if (value === undefined || value === false) return null;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as Partial<MetricsRegistry>).registerMetric !== 'function' ||
    typeof (value as Partial<MetricsRegistry>).getSingleMetric !== 'function'
  ) {
    throw optionError(factory, '"metrics" must be a prom-client Registry');
  }
  return value as MetricsRegistry;
}

/** The series one event name counts into. */
export interface NameSeries {
  readonly label: string;
  /** `events_total`, by format (index of the format in `FORMATS`, `other` last). */
  readonly events: readonly ValueSeries[];
  readonly duplicates: ValueSeries;
  readonly failures: ValueSeries;
  readonly duration: HistogramSeries;
}

/** The metrics of one dispatcher: the registry's collectors, with every label series looked up once. */
export class DispatchMetrics {
  readonly storeErrors: ValueSeries;
  readonly queueErrors: ValueSeries;
  readonly responseDuration: HistogramSeries;
  readonly callsInProgress: ValueSeries;
  readonly handlersInFlight: ValueSeries;
  readonly #byName = new Map<string, NameSeries>();
  readonly #other: NameSeries;
  readonly #formatIndex = new Map<string, number>();
  readonly #responses: CounterCollector;
  readonly #byCode = new Map<string, Map<number, ValueSeries>>();
  readonly #otherCode: Map<number, ValueSeries>;

  /**
   * Registers the package's metrics in `registry`, or takes those already there (made by another `CallEvents`
   * on the same registry: counts add up).
   * @throws TypeError when the registry holds a metric of one of these names that this package did not make
   */
  constructor(registry: MetricsRegistry, factory = 'CallEvents') {
    // Registered in the API's order (the order a scrape lists them in), before any is used.
    const collectors = new Map<MetricKey, AnyCollector>();
    for (const key of Object.keys(DEFINITIONS) as MetricKey[]) collectors.set(key, obtain(registry, key, factory));
    const collector = <K extends MetricKey>(key: K): CollectorOf<K> => collectors.get(key) as CollectorOf<K>;
    const events = collector('events_total');
    const duplicates = collector('duplicates_total');
    const failures = collector('handler_failures_total');
    const durations = collector('handler_duration_seconds');
    this.#responses = collector('responses_total');
    this.storeErrors = collector('store_errors_total').only;
    this.queueErrors = collector('queue_errors_total').only;
    this.responseDuration = collector('response_duration_seconds').only;
    this.callsInProgress = collector('calls_in_progress').only;
    this.handlersInFlight = collector('handlers_in_flight').only;

    const formats = [...FORMATS, OTHER_LABEL];
    formats.forEach((format, index) => this.#formatIndex.set(format, index));
    const forName = (name: string): NameSeries => ({
      label: name,
      events: formats.map((format) => events.series(`${name}|${format}`, { name, format })),
      duplicates: duplicates.series(name, { name }),
      failures: failures.series(name, { name }),
      duration: durations.series(name, { name }),
    });
    for (const name of CALL_EVENT_NAMES) this.#byName.set(name, forName(name));
    this.#other = forName(OTHER_LABEL);
    for (const code of RESPONSE_CODES) this.#byCode.set(code, new Map());
    this.#otherCode = new Map();
  }

  /** The series of an event name (`other` for a name outside the table). */
  forName(name: string): NameSeries {
    return this.#byName.get(name) ?? this.#other;
  }

  /** The `events_total` series of an event. */
  eventSeries(names: NameSeries, format: string): ValueSeries {
    return names.events[this.#formatIndex.get(format) ?? FORMATS.length] as ValueSeries;
  }

  /** Counts one answer. */
  response(status: number, code: string, seconds: number): void {
    const byStatus = this.#byCode.get(code) ?? this.#otherCode;
    let series = byStatus.get(status);
    if (series === undefined) {
      // First answer with this status and code: the only place a label key is built, once per pair.
      const statusValue = statusLabel(status);
      const codeValue = codeLabel(code);
      series = this.#responses.series(`${statusValue}|${codeValue}`, { status: statusValue, code: codeValue });
      // Only statuses that are labels of their own are kept by number, so hostile numbers cannot grow the map.
      if (statusValue !== OTHER_LABEL) byStatus.set(status, series);
    }
    series.value++;
    this.responseDuration.observe(seconds);
  }
}

function obtain<K extends MetricKey>(registry: MetricsRegistry, key: K, factory: string): CollectorOf<K> {
  const name = `${METRIC_PREFIX}${key}`;
  const definition = DEFINITIONS[key];
  const existing = registry.getSingleMetric(name);
  if (existing === undefined || existing === null) {
    const made = new definition.make(name, definition.help, definition.labels) as CollectorOf<K>;
    registry.registerMetric(made);
    return made;
  }
  // Made by this package: here, or in another copy of it loaded by the same app (a CommonJS and an ES module
  // copy, say), recognised by the shared mark and shape version rather than by class.
  const { [COLLECTOR]: shape, type } = existing as Partial<Record<typeof COLLECTOR | 'type', unknown>>;
  if (shape !== COLLECTOR_SHAPE || type !== TYPES.get(definition.make)) {
    throw optionError(factory, `"metrics" already holds a metric named "${name}" that this package did not make`);
  }
  return existing as CollectorOf<K>;
}
