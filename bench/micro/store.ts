// Micro-benchmark: the full default MemoryStore's claim + session update (new calls, calls of four events, calls
// of 64 events) and the whole receive() path (a new call each time, and calls of five events), with the garbage
// collector's pauses during the latter. Alone: `npx tsx bench/micro/store.ts` (after `npm run build`);
// `BENCH_DIST=<a dist directory>` measures another build.

import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

import type { CallEvent, SessionEventRecord, StoreRecordRequest } from '../../lib/index';
import { envNumber, formatRates, isQuickMode, loadPackage, loadTesting, measureRates, type Rates } from '../common';

/** The garbage collector's pauses while an operation ran. */
export interface GcPauses {
  /** Total pause time per 1000 operations, in ms. */
  msPerThousand: number;
  /** Full (mark-compact) collections per 100000 operations. */
  majorPerHundredThousand: number;
  /** The longest single pause, in ms. */
  maxMs: number;
}

export interface StoreResult {
  operation: string;
  rates: Rates;
  gc?: GcPauses;
}

const BATCH = 1000;
const DAY_MS = 86_400_000;

/** The GC's pauses while `run` does `operations` operations (perf_hooks 'gc' entries). */
async function gcPauses(operations: number, run: () => Promise<void>): Promise<GcPauses> {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  await run();
  await new Promise((resolve) => setTimeout(resolve, 50)); // the observer hears of GCs on a later turn
  observer.disconnect();
  // NODE_PERFORMANCE_GC_MAJOR is 4 (perf_hooks.constants): a full mark-compact.
  const major = entries.filter((entry) => (entry as { detail?: { kind?: number } }).detail?.kind === 4).length;
  const total = entries.reduce((sum, entry) => sum + entry.duration, 0);
  return {
    msPerThousand: (total / operations) * 1000,
    majorPerHundredThousand: (major / operations) * 100_000,
    maxMs: entries.reduce((most, entry) => Math.max(most, entry.duration), 0),
  };
}

async function main(): Promise<StoreResult[]> {
  const { CallEvents, MemoryStore, normalizePayload } = loadPackage();
  const { buildAfterCallLog, buildInCallLog } = loadTesting();
  const quick = isQuickMode();
  const runs = envNumber('BENCH_MICRO_RUNS', quick ? 3 : 7);
  const seconds = envNumber('BENCH_MICRO_SECONDS', quick ? 0.2 : 1);
  const base = normalizePayload(buildInCallLog());
  let uid = 0;
  // The request CallEvents.receive() builds for an in-call event (built per operation, as receive() does).
  const request = (): StoreRecordRequest => {
    const id = `n2.1700000000.${++uid}`;
    return {
      dedupe: { key: `${id}:incoming_call:1`, ttlMs: DAY_MS },
      session: {
        uid: id,
        id: 'incoming_call:1:1596270956000',
        record: {
          name: 'incoming_call',
          callState: 1,
          at: 1596270956000,
          receivedAt: Date.now(),
          status: null,
          agent: null,
        },
        ttlMs: DAY_MS / 4,
      },
    };
  };

  // Each scenario fills its own store past maxEntries first, so that the figures are those of a store in steady
  // state, measures, and lets the store go before the next one: no scenario pays for another's heap.
  const fill = async (record: (request: StoreRecordRequest) => unknown, count: number): Promise<void> => {
    for (let i = 0; i < count; i++) await record(request());
  };
  const results: StoreResult[] = [];

  {
    const store = new MemoryStore();
    await fill((next) => store.recordSync(next, Date.now()), store.maxEntries);
    const batch = (): void => {
      const now = Date.now();
      for (let i = 0; i < BATCH; i++) store.recordSync(request(), now);
    };
    results.push({
      operation: 'MemoryStore.recordSync (claim + session)',
      rates: await measureRates(batch, BATCH, runs, seconds),
    });
  }
  {
    const store = new MemoryStore();
    await fill((next) => store.record(next), store.maxEntries);
    const batch = async (): Promise<void> => {
      for (let i = 0; i < BATCH; i++) await store.record(request());
    };
    results.push({ operation: 'MemoryStore.record (awaited)', rates: await measureRates(batch, BATCH, runs, seconds) });
  }

  // Whole calls of `events` events under one uid each, as CallEvents records them (the default key
  // `<uid>:<name>:<state>`), so that all but the first update a session that exists.
  const callsOf = (events: readonly (readonly [SessionName, number])[]): (() => StoreRecordRequest) => {
    let step = 0;
    return (): StoreRecordRequest => {
      const [name, callState] = events[step % events.length]!;
      const id = `n2.1700000001.${Math.floor(step / events.length)}`;
      const at = 1596270956000 + (step % events.length) * 1000;
      step++;
      return {
        dedupe: { key: `${id}:${name}:${callState}`, ttlMs: DAY_MS },
        session: {
          uid: id,
          id: `${name}:${callState}:${at}`,
          record: { name, callState, at, receivedAt: Date.now(), status: null, agent: null },
          ttlMs: DAY_MS / 4,
        },
      };
    };
  };
  const measureCalls = async (
    operation: string,
    eventsPerCall: readonly (readonly [SessionName, number])[],
    fillCalls: number,
  ): Promise<void> => {
    const store = new MemoryStore();
    const next = callsOf(eventsPerCall);
    for (let i = 0; i < fillCalls * eventsPerCall.length; i++) store.recordSync(next(), Date.now());
    const batch = (): void => {
      const now = Date.now();
      for (let i = 0; i < BATCH; i++) store.recordSync(next(), now);
    };
    results.push({ operation, rates: await measureRates(batch, BATCH, runs, seconds) });
  };
  await measureCalls(
    'MemoryStore.recordSync, calls of 4 events',
    [
      ['incoming_call', 1],
      ['dialing_users', 5],
      ['user_answered', 6],
      ['call_finished', 2],
    ],
    50_000,
  );
  // The worst case: 64 distinct events a call (unknown call states), the most a session keeps. Filled with 50000
  // such calls, so that a store bounded in calls only is full too.
  await measureCalls(
    'MemoryStore.recordSync, calls of 64 events',
    Array.from({ length: 64 }, (_, index) => ['unknown', 10 + index] as const),
    quick ? 5_000 : 50_000,
  );

  {
    const calls = new CallEvents();
    calls.onIncomingCall(() => undefined);
    const receive = (): Promise<unknown> => calls.receive({ ...base, uid: `n2.1700000000.${++uid}` });
    await fill(receive, 50_000);
    const batch = async (): Promise<void> => {
      for (let i = 0; i < BATCH; i++) await receive();
    };
    results.push({
      operation: 'CallEvents.receive (dedupe, session, no-op handler)',
      rates: await measureRates(batch, BATCH, runs, seconds),
    });
  }

  {
    // Answered calls as MyOperator sends them: 1, 5, 6, 2 and the after-call log, under one uid.
    const answered: CallEvent[] = [
      ...(['1', '5', '6', '2'] as const).map((state) =>
        normalizePayload(buildInCallLog({ call_state: state, status: state === '2' ? '1' : null })),
      ),
      normalizePayload(buildAfterCallLog()),
    ];
    const calls = new CallEvents();
    calls.onAny(() => undefined);
    let step = 0;
    const receive = (): Promise<unknown> => {
      const event = answered[step % answered.length]!;
      const callUid = `n2.1700000002.${Math.floor(step / answered.length)}`;
      step++;
      return calls.receive({ ...event, uid: callUid, receivedAt: new Date() });
    };
    for (let i = 0; i < 50_000 * answered.length; i++) await receive();
    const operations = quick ? 50_000 : 250_000;
    const gc = await gcPauses(operations, async () => {
      for (let i = 0; i < operations; i++) await receive();
    });
    const batch = async (): Promise<void> => {
      for (let i = 0; i < BATCH; i++) await receive();
    };
    results.push({
      operation: 'CallEvents.receive, answered calls of 5 events',
      rates: await measureRates(batch, BATCH, runs, seconds),
      gc,
    });
  }
  return results;
}

type SessionName = SessionEventRecord['name'];

export function printStoreResults(results: readonly StoreResult[]): void {
  console.log('default store (MemoryStore, full: maxEntries 50000), one core, medians:');
  for (const result of results) {
    console.log(`  ${result.operation.padEnd(52)} ${formatRates(result.rates, 'ops')}`);
    if (result.gc) {
      const { msPerThousand, majorPerHundredThousand, maxMs } = result.gc;
      console.log(
        `  ${''.padEnd(52)} GC: ${msPerThousand.toFixed(2)} ms per 1000 ops, ` +
          `${majorPerHundredThousand.toFixed(1)} full GCs per 100000 ops, longest pause ${maxMs.toFixed(1)} ms`,
      );
    }
  }
}

if (require.main === module) {
  main().then(
    (results) => {
      if (process.send) process.send({ store: results }, () => process.exit(0));
      else printStoreResults(results);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
