// Micro-benchmark: what the observer's hooks cost for one event (the dispatcher's whole sequence: event, store
// call, recorded, one handler run, end, and the adapter's response), with metrics and tracing on or off, in ns of
// CPU per event. Alone: `npx tsx bench/micro/observe.ts` (reads lib/ directly, no build needed).

import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { Registry } from 'prom-client';

import { createObserver } from '../../lib/observe/create-observer';
import { SafeLogger } from '../../lib/observe/logger';
import { NOOP_OBSERVER, type Observer } from '../../lib/observe/observer';
import { buildCallEvent, buildInCallLog } from '../../lib/testing';
import { AsyncLocalStorageContextManager } from '../../spec/observe/helpers/async-context-manager';
import { envNumber, formatInteger, isQuickMode, measureRates, type Rates } from '../common';

export interface ObserveResult {
  variant: string;
  rates: Rates;
  /** CPU ns per event. */
  nsPerEvent: number;
}

// Small batches with a turn of the event loop between them, so the span processor exports as it would under
// load (a request never runs thousands of events without yielding).
const BATCH = 100;

const event = buildCallEvent(buildInCallLog({ uid: 'n2.1700000000.1', call_state: '6' }));
const key = 'n2.1700000000.1:user_answered:6';
const handler = (): undefined => undefined;

/** The hooks of one event, as the dispatcher calls them (a synchronous handler, so only the hooks are timed). */
function oneEvent(observer: Observer): void {
  const seen = observer.event(event, key);
  const done = seen.storeCall();
  done(false);
  seen.recorded(false, 0);
  const run = seen.handler(event.name);
  run.run(handler);
  run.end(false);
  seen.end('handled');
  observer.response(200, 'ok', 0.0002);
}

function batchOf(observer: Observer): () => Promise<void> {
  return async () => {
    for (let i = 0; i < BATCH; i++) oneEvent(observer);
    await new Promise((resolve) => setImmediate(resolve));
  };
}

/** A span exporter that drops everything at once (the export itself is the collector's cost, not ours). */
const discard = {
  export: (_spans: ReadableSpan[], done: (result: { code: number }) => void) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};

function startTracing(): BasicTracerProvider {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  return provider;
}

async function stopTracing(provider: BasicTracerProvider): Promise<void> {
  await provider.shutdown();
  trace.disable();
  context.disable();
}

async function main(): Promise<ObserveResult[]> {
  const quick = isQuickMode();
  const runs = envNumber('BENCH_MICRO_RUNS', quick ? 3 : 7);
  const seconds = envNumber('BENCH_MICRO_SECONDS', quick ? 0.2 : 1);
  const silent = new SafeLogger(false);
  const debug = new SafeLogger(pino({ level: 'debug' }, { write: () => undefined }));
  const results: ObserveResult[] = [];
  const measure = async (variant: string, observer: Observer): Promise<void> => {
    const rates = await measureRates(batchOf(observer), BATCH, runs, seconds);
    results.push({ variant, rates, nsPerEvent: 1e9 / rates.perCpuSecond });
  };

  await measure('NOOP_OBSERVER', NOOP_OBSERVER);
  await measure('createObserver, nothing on', createObserver({ logger: silent }));
  await measure('metrics', createObserver({ metrics: new Registry(), logger: silent }));
  let provider = startTracing();
  await measure('tracing', createObserver({ logger: silent }));
  await measure('metrics + tracing', createObserver({ metrics: new Registry(), logger: silent }));
  await measure('metrics + tracing + pino debug line', createObserver({ metrics: new Registry(), logger: debug }));
  // The floor: the SDK's own cost for the three spans one event gets (bare startSpan + end, no attributes).
  const tracer = trace.getTracer('floor');
  const threeSpans = async (): Promise<void> => {
    for (let i = 0; i < BATCH; i++) {
      tracer.startSpan('event').end();
      tracer.startSpan('store').end();
      tracer.startSpan('handler').end();
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  const floor = await measureRates(threeSpans, BATCH, runs, seconds);
  results.push({ variant: 'SDK floor: 3 bare spans, no observer', rates: floor, nsPerEvent: 1e9 / floor.perCpuSecond });
  await stopTracing(provider);
  // Tracing with no context manager registered (handlers are not run inside their span's context).
  provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
  trace.setGlobalTracerProvider(provider);
  await measure('metrics + tracing, no context manager', createObserver({ metrics: new Registry(), logger: silent }));
  await provider.shutdown();
  trace.disable();
  return results;
}

export function printObserveResults(results: readonly ObserveResult[]): void {
  const base = results[0]?.nsPerEvent ?? Number.NaN;
  console.log('observer hooks for one event (event, store call, recorded, 1 handler run, end, response), medians:');
  for (const { variant, nsPerEvent, rates } of results) {
    const extra = nsPerEvent - base;
    // The chain costs roughly 50-250 us of CPU per request: the share of that the observer adds.
    const share = `${((extra / 50_000) * 100).toFixed(2)}% of 50 us, ${((extra / 250_000) * 100).toFixed(2)}% of 250 us`;
    console.log(
      `  ${variant.padEnd(42)} ${formatInteger(nsPerEvent).padStart(7)} ns/event ` +
        `(+${formatInteger(extra)} ns: ${share}) ${formatInteger(rates.perCpuSecond)} events/CPU-s`,
    );
  }
}

if (require.main === module) {
  main().then(
    (results) => {
      if (process.send) process.send({ observe: results }, () => process.exit(0));
      else printObserveResults(results);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
