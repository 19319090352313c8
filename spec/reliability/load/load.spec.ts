// Load: thousands of call events, each delivered 2 or 3 times (copies apart, together and out of order), with
// 100+ requests in flight, against one process (MemoryStore) and against two processes sharing Redis
// (RedisStore). Every event runs its handler exactly once, no answer is a 5xx, and each process's heap comes back
// to (near) where it started. Short by default; RELIABILITY_LONG=1 sends ten times as many.

import { Redis } from 'ioredis';

import { startRedis, type RedisServer } from '../../helpers/redis-server';
import { deliveries, sendAll, startWebhookProcess, type Outcome, type WebhookProcess } from '../helpers/load';
import { LONG_MODE, scaled, timeoutMs } from '../helpers/mode';

const EVENTS = scaled(2000, 10);
const CONCURRENCY = LONG_MODE ? 200 : 100;
const WARM_UP_EVENTS = 400;
/** How far above its warmed-up heap a process may end: JIT code, caches; a leak of requests would be far more. */
const HEAP_SLACK_BYTES = 4 * 1024 * 1024;

interface Summary {
  requests: number;
  statuses: number[];
  transportErrors: number;
  /** Answers that were not duplicates: must be one per event. */
  firstAnswers: number;
}

function summarize(outcomes: readonly Outcome[]): Summary {
  return {
    requests: outcomes.length,
    statuses: [...new Set(outcomes.map((outcome) => outcome.status))].sort(),
    transportErrors: outcomes.filter((outcome) => outcome.error !== null).length,
    firstAnswers: outcomes.filter((outcome) => outcome.status === 200 && !outcome.duplicate).length,
  };
}

/** Sums handler runs over processes: event key -> runs. */
async function runsByKey(processes: readonly WebhookProcess[]): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for (const server of processes) {
    for (const [key, count] of Object.entries((await server.stats()).runs))
      total.set(key, (total.get(key) ?? 0) + count);
  }
  return total;
}

describe('load: redeliveries under concurrency', () => {
  it(
    `runs each of ${EVENTS} events once in one process (MemoryStore), without a 5xx, and its heap comes back`,
    async () => {
      const server = await startWebhookProcess();
      try {
        await sendAll(deliveries(WARM_UP_EVENTS, 'warm-one').list, [server.port], CONCURRENCY);
        await server.clearStore();
        const baseline = (await server.stats()).heapUsed;

        const { list, distinct } = deliveries(EVENTS, 'one');
        const outcomes = await sendAll(list, [server.port], CONCURRENCY);
        const runs = await runsByKey([server]);

        expect(summarize(outcomes)).toEqual({
          requests: list.length,
          statuses: [200],
          transportErrors: 0,
          firstAnswers: distinct.size,
        });
        expect([runs.size, [...runs.values()].every((count) => count === 1)]).toEqual([distinct.size, true]);
        expect([...distinct].every((key) => runs.get(key) === 1)).toBe(true);

        // The store keeps claims and sessions on purpose (bounded by maxEntries); without them, nothing is left.
        await server.clearStore();
        const after = (await server.stats()).heapUsed;
        expect(after - baseline).toBeLessThan(HEAP_SLACK_BYTES);
      } finally {
        await server.stop();
      }
    },
    timeoutMs(60_000, 10),
  );

  describe('two processes sharing Redis', () => {
    let redis: RedisServer;

    beforeAll(async () => {
      redis = await startRedis();
    }, 30_000);

    afterAll(async () => {
      await redis.stop();
    });

    it(
      `runs each of ${EVENTS} events once across both (RedisStore), without a 5xx, and their heaps come back`,
      async () => {
        const env = { STORE: 'redis', REDIS_URL: redis.url, KEY_PREFIX: `load-${Date.now()}:` };
        const servers = await Promise.all([startWebhookProcess(env), startWebhookProcess(env)]);
        const ports = servers.map((server) => server.port);
        try {
          await sendAll(deliveries(WARM_UP_EVENTS, 'warm-two').list, ports, CONCURRENCY);
          await Promise.all(servers.map((server) => server.clearStore())); // resets the run counts
          const baselines = await Promise.all(servers.map(async (server) => (await server.stats()).heapUsed));

          const { list, distinct } = deliveries(EVENTS, 'two');
          const outcomes = await sendAll(list, ports, CONCURRENCY);
          const runs = await runsByKey(servers);
          const perProcess = await Promise.all(servers.map((server) => server.stats()));

          expect(summarize(outcomes)).toEqual({
            requests: list.length,
            statuses: [200],
            transportErrors: 0,
            firstAnswers: distinct.size,
          });
          expect([runs.size, [...runs.values()].every((count) => count === 1)]).toEqual([distinct.size, true]);
          // Both processes did part of the work, and no store call failed.
          expect(perProcess.map((stats) => Object.keys(stats.runs).length > 0)).toEqual([true, true]);
          expect(perProcess.map((stats) => stats.errors)).toEqual([{}, {}]);
          // The claims live in Redis: each process's heap comes back with nothing of the package's cleared (only
          // the fixture's own run counters, as before the baseline).
          await Promise.all(servers.map((server) => server.clearStore()));
          const after = await Promise.all(servers.map(async (server) => (await server.stats()).heapUsed));
          after.forEach((heapUsed, index) => {
            expect(heapUsed - (baselines[index] as number)).toBeLessThan(HEAP_SLACK_BYTES);
          });
          const client = new Redis(redis.url);
          try {
            expect(await client.dbsize()).toBeGreaterThanOrEqual(distinct.size);
          } finally {
            client.disconnect();
          }
        } finally {
          await Promise.all(servers.map((server) => server.stop()));
        }
      },
      timeoutMs(90_000, 10),
    );
  });
});
