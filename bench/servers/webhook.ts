// Variants (c) and (d): myOperatorWebhook() with header auth, a no-op handler, default de-duplication and sessions,
// on the default MemoryStore (filled first, as in a long-running process) or on RedisStore (BENCH_REDIS_PORT).

import { createServer } from 'node:http';

import express from 'express';
import Redis from 'ioredis';

import type { CallStore } from '../../lib/index';
import { AUTH_HEADER_LINE, loadPackage, loadTesting, WEBHOOK_PATH } from '../common';
import { serve } from './lifecycle';

type RedisStoreClass = new (options: { client: Redis }) => CallStore;

const { CallEvents, MemoryStore, myOperatorWebhook, normalizePayload } = loadPackage();

function redisStore(port: number): CallStore {
  const RedisStore = (loadPackage() as unknown as { RedisStore?: RedisStoreClass }).RedisStore;
  if (typeof RedisStore !== 'function') throw new Error('this build of the package exports no RedisStore');
  return new RedisStore({ client: new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 }) });
}

/**
 * Pushes `maxEntries` distinct calls through the default store before the server listens, so that the run
 * measures a store in its steady state (full: every new call evicts the oldest) rather than an empty one.
 * BENCH_PREFILL=0 turns it off.
 */
async function fillStore(calls: InstanceType<typeof CallEvents>): Promise<void> {
  const store = calls.store;
  if (process.env.BENCH_PREFILL === '0' || !(store instanceof MemoryStore)) return;
  const base = normalizePayload(loadTesting().buildInCallLog());
  for (let i = 0; i < store.maxEntries; i++) await calls.receive({ ...base, uid: `n2.prefill.${i}` });
}

async function main(): Promise<void> {
  const redisPort = process.env.BENCH_REDIS_PORT;
  // BENCH_STORELESS=1 (variant e, a diagnostic): no de-duplication and no sessions, to see what the store costs.
  const storeless = process.env.BENCH_STORELESS === '1';
  // BENCH_MAX_ENTRIES (a diagnostic): a MemoryStore of that size instead of the default one.
  const maxEntries = Number(process.env.BENCH_MAX_ENTRIES ?? 0);
  const calls = new CallEvents(
    storeless
      ? { dedupe: false, sessions: false }
      : redisPort
        ? { store: redisStore(Number(redisPort)) }
        : maxEntries > 0
          ? { store: new MemoryStore({ maxEntries }) }
          : {},
  );
  calls.onIncomingCall(() => undefined);
  await fillStore(calls);

  const app = express();
  app.use(WEBHOOK_PATH, myOperatorWebhook({ auth: { headers: [AUTH_HEADER_LINE] }, calls }));
  serve(createServer(app));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
