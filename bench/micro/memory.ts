// Micro-benchmark: heap of the default store while 1M distinct calls go through `receive()`, after full GCs at
// checkpoints. Alone: `npx tsx --expose-gc bench/micro/memory.ts` (after `npm run build`).

import { envNumber, formatInteger, isQuickMode, loadPackage, loadTesting } from '../common';

export interface MemoryCheckpoint {
  calls: number;
  heapUsedMb: number;
  claims: number;
  sessions: number;
}

export interface MemoryResult {
  calls: number;
  maxEntries: number;
  seconds: number;
  checkpoints: MemoryCheckpoint[];
  /** Heap at the end over heap once the store was full (maxEntries calls); about 1 = flat. */
  growthAfterFull: number;
  /** Heap at the end over heap at 2 x maxEntries calls (the store full and turned over once); 1 = flat. */
  growthAfterTurnover: number;
  /** Whether the loop stopped on its time budget before reaching `calls`. */
  stoppedOnTime: boolean;
}

const TIME_BUDGET_MS = 300_000;

function heapUsedMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (npx tsx --expose-gc bench/micro/memory.ts)');
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function main(): Promise<MemoryResult> {
  const { CallEvents, MemoryStore, normalizePayload } = loadPackage();
  const { buildInCallLog } = loadTesting();
  const total = Math.round(envNumber('BENCH_MEMORY_CALLS', isQuickMode() ? 100_000 : 1_000_000));
  const base = normalizePayload(buildInCallLog());
  const calls = new CallEvents();
  calls.onIncomingCall(() => undefined);
  const store = calls.store;
  if (!(store instanceof MemoryStore)) throw new Error('the default store is expected to be a MemoryStore');

  const marks = new Set(
    [0, store.maxEntries / 2, store.maxEntries, 2 * store.maxEntries, total / 4, total / 2, (3 * total) / 4, total]
      .map(Math.round)
      .filter((mark) => mark <= total),
  );
  const checkpoints: MemoryCheckpoint[] = [];
  const mark = (count: number): void => {
    checkpoints.push({ calls: count, heapUsedMb: heapUsedMb(), ...store.size });
  };
  const started = Date.now();
  let done = 0;
  let stoppedOnTime = false;
  mark(0);
  while (done < total) {
    if (Date.now() - started > TIME_BUDGET_MS) {
      stoppedOnTime = true;
      break;
    }
    // One event per distinct call: a new claim and a new session every time.
    await calls.receive({ ...base, uid: `n2.1700000000.${done}` });
    done++;
    if (marks.has(done)) mark(done);
  }
  if (stoppedOnTime) mark(done);
  const full = checkpoints.find((point) => point.calls >= store.maxEntries) ?? checkpoints[checkpoints.length - 1]!;
  const turnedOver = checkpoints.find((point) => point.calls >= 2 * store.maxEntries) ?? full;
  const last = checkpoints[checkpoints.length - 1]!;
  return {
    calls: done,
    maxEntries: store.maxEntries,
    seconds: (Date.now() - started) / 1000,
    checkpoints,
    growthAfterFull: last.heapUsedMb / full.heapUsedMb,
    growthAfterTurnover: last.heapUsedMb / turnedOver.heapUsedMb,
    stoppedOnTime,
  };
}

export function printMemoryResult(result: MemoryResult): void {
  console.log(
    `heap of the default store (new CallEvents(), MemoryStore maxEntries ${formatInteger(result.maxEntries)}), ` +
      `${formatInteger(result.calls)} distinct calls through receive() in ${result.seconds.toFixed(1)} s, ` +
      'heapUsed after two forced GCs:',
  );
  for (const point of result.checkpoints) {
    console.log(
      `  after ${formatInteger(point.calls).padStart(9)} calls: ${point.heapUsedMb.toFixed(1).padStart(6)} MB ` +
        `(claims ${formatInteger(point.claims)}, sessions ${formatInteger(point.sessions)})`,
    );
  }
  console.log(
    `  end / store full: ${result.growthAfterFull.toFixed(3)}x; ` +
      `end / store turned over once: ${result.growthAfterTurnover.toFixed(3)}x` +
      (result.stoppedOnTime ? ` (stopped on the ${TIME_BUDGET_MS / 1000} s time budget)` : ''),
  );
}

if (require.main === module) {
  main().then(
    (result) => {
      if (process.send) process.send({ memory: result }, () => process.exit(0));
      else printMemoryResult(result);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
