// Micro-benchmark: the full default MemoryStore's claim + session update (new calls, calls of four events) and
// the whole receive() path. Alone: `npx tsx bench/micro/store.ts` (after `npm run build`).

import type { StoreRecordRequest } from '../../lib/index';
import { envNumber, formatRates, isQuickMode, loadPackage, loadTesting, measureRates, type Rates } from '../common';

export interface StoreResult {
  operation: string;
  rates: Rates;
}

const BATCH = 1000;
const DAY_MS = 86_400_000;

async function main(): Promise<StoreResult[]> {
  const { CallEvents, MemoryStore, normalizePayload } = loadPackage();
  const { buildInCallLog } = loadTesting();
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

  // Each store is filled past maxEntries first, so that the figures are those of a store in steady state.
  const fill = async (record: (request: StoreRecordRequest) => unknown, count: number): Promise<void> => {
    for (let i = 0; i < count; i++) await record(request());
  };

  const syncStore = new MemoryStore();
  await fill((next) => syncStore.recordSync(next, Date.now()), syncStore.maxEntries);
  const syncBatch = (): void => {
    const now = Date.now();
    for (let i = 0; i < BATCH; i++) syncStore.recordSync(request(), now);
  };

  const asyncStore = new MemoryStore();
  await fill((next) => asyncStore.record(next), asyncStore.maxEntries);
  const asyncBatch = async (): Promise<void> => {
    for (let i = 0; i < BATCH; i++) await asyncStore.record(request());
  };

  // A whole call: four events (1 incoming, 5 dialing, 6 answered, 2 finished) under one uid, so three of the
  // four update a session that exists (the store moves it to the newest place).
  const lifecycle = [
    ['incoming_call', 1],
    ['dialing_users', 5],
    ['user_answered', 6],
    ['call_finished', 2],
  ] as const;
  const callStore = new MemoryStore();
  let step = 0;
  const callEvent = (): StoreRecordRequest => {
    const [name, callState] = lifecycle[step % lifecycle.length]!;
    const id = `n2.1700000001.${Math.floor(step / lifecycle.length)}`;
    const at = 1596270956000 + (step % lifecycle.length) * 1000;
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
  await fill((next) => callStore.recordSync(next, Date.now()), callStore.maxEntries);
  const callBatch = (): void => {
    const now = Date.now();
    for (let i = 0; i < BATCH; i++) callStore.recordSync(callEvent(), now);
  };

  const calls = new CallEvents();
  calls.onIncomingCall(() => undefined);
  const receive = (): Promise<unknown> => calls.receive({ ...base, uid: `n2.1700000000.${++uid}` });
  await fill(receive, 50_000);
  const receiveBatch = async (): Promise<void> => {
    for (let i = 0; i < BATCH; i++) await receive();
  };

  return [
    {
      operation: 'MemoryStore.recordSync (claim + session)',
      rates: await measureRates(syncBatch, BATCH, runs, seconds),
    },
    { operation: 'MemoryStore.record (awaited)', rates: await measureRates(asyncBatch, BATCH, runs, seconds) },
    {
      operation: 'MemoryStore.recordSync, calls of 4 events',
      rates: await measureRates(callBatch, BATCH, runs, seconds),
    },
    {
      operation: 'CallEvents.receive (dedupe, session, no-op handler)',
      rates: await measureRates(receiveBatch, BATCH, runs, seconds),
    },
  ];
}

export function printStoreResults(results: readonly StoreResult[]): void {
  console.log('default store (MemoryStore, full: maxEntries 50000), a new call per operation, one core, medians:');
  for (const result of results) console.log(`  ${result.operation.padEnd(52)} ${formatRates(result.rates, 'ops')}`);
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
