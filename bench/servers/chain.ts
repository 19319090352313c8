// The CallEvents every variant built on the package's chain uses: no-op handlers for every event, default
// de-duplication and sessions, on the default MemoryStore (filled first, as in a long-running process) or on
// RedisStore (BENCH_STORE=redis, BENCH_REDIS_PORT).

import Redis from 'ioredis';

import type { CallEvents as CallEventsType, CallStore } from '../../lib/index';
import { AUTH_HEADER_LINE, loadPackage, loadTesting } from '../common';

/** The options every variant built on the chain passes: header auth with the panel's line, and its calls. */
export interface ChainOptions {
  auth: { headers: string[] };
  calls: CallEventsType;
}

/**
 * Pushes as many distinct calls as the default store holds through `receive()` before the server listens, so
 * that the run measures a store in its steady state (full: every new call evicts the oldest) rather than an empty
 * one. BENCH_PREFILL=0 turns it off; BENCH_PREFILL=<n> pushes n calls (the quick mode's harness check: 5,000).
 */
async function fillStore(calls: CallEventsType): Promise<void> {
  const { MemoryStore, normalizePayload } = loadPackage();
  const store = calls.store;
  const chosen = process.env.BENCH_PREFILL;
  if (chosen === '0' || !(store instanceof MemoryStore)) return;
  const size = chosen !== undefined && Number(chosen) > 0 ? Number(chosen) : store.maxEntries;
  const base = normalizePayload(loadTesting().buildInCallLog());
  for (let i = 0; i < size; i++) await calls.receive({ ...base, uid: `n2.prefill.${i}` });
}

function store(): CallStore | undefined {
  const { MemoryStore, RedisStore } = loadPackage();
  if (process.env.BENCH_STORE === 'redis') {
    const port = Number(process.env.BENCH_REDIS_PORT);
    if (!port) throw new Error('BENCH_STORE=redis needs BENCH_REDIS_PORT');
    return new RedisStore({ client: new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 }) });
  }
  // BENCH_MAX_ENTRIES (a diagnostic): a MemoryStore of that size instead of the default one.
  const maxEntries = Number(process.env.BENCH_MAX_ENTRIES ?? 0);
  return maxEntries > 0 ? new MemoryStore({ maxEntries }) : undefined;
}

/** The calls and auth of the chain variants, the store ready. */
export async function chainOptions(): Promise<ChainOptions> {
  const { CallEvents, CALL_EVENT_NAMES } = loadPackage();
  // BENCH_STORE=none (a diagnostic): no de-duplication and no sessions, to see what the store costs.
  const chosen = process.env.BENCH_STORE === 'none' ? null : store();
  const calls = new CallEvents(
    process.env.BENCH_STORE === 'none' ? { dedupe: false, sessions: false } : chosen ? { store: chosen } : {},
  );
  calls.on(CALL_EVENT_NAMES, () => undefined);
  await fillStore(calls);
  return { auth: { headers: [AUTH_HEADER_LINE] }, calls };
}

/** Runs main, exiting with a message if it fails. */
export function start(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
