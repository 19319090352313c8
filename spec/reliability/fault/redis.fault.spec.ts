// Fault test of the shared store: Redis is stopped and restarted while events keep arriving (each delivered
// twice). No crash, no unhandled rejection, no 5xx, no request waits past the store's timeout (plus a margin),
// every event answered 2xx has run its handler, and de-duplication works again once Redis is back.

import express from 'express';
import { Redis } from 'ioredis';

import { CallEvents, myOperatorWebhook, RedisStore } from '../../../lib';
import { startRedis, type RedisServer } from '../../helpers/redis-server';
import { deliveries, sendAll, type Delivery, type Outcome } from '../helpers/load';
import { LONG_MODE, timeoutMs } from '../helpers/mode';
import { watchProcess, type ProcessGuard } from '../helpers/process-guard';
import { listen } from '../helpers/webhook-app';

const STORE_TIMEOUT_MS = 250;
/** Store timeout for the record, again for a release, the handler itself, and a scheduler margin on 2 cores. */
const SETTLE_WITHIN_MS = 2 * STORE_TIMEOUT_MS + 1500;
const EVENTS_PER_PHASE = LONG_MODE ? 2000 : 200;

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

describe('fault: Redis stopped and restarted under load', () => {
  let guard: ProcessGuard;
  let redis: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);

  afterAll(async () => {
    await redis.stop();
  });

  beforeEach(() => {
    guard = watchProcess();
    client = new Redis(redis.url, { retryStrategy: () => 100 });
    client.on('error', () => undefined); // connection errors while Redis is down are expected
  });

  afterEach(() => {
    client.disconnect();
    guard.stop();
    expect(guard.fired).toEqual([]);
  });

  it(
    'answers every request in time with a 2xx, runs every acknowledged event, and de-duplicates again after the restart',
    async () => {
      const calls = new CallEvents({
        store: new RedisStore({ client, keyPrefix: `fault-${Date.now()}:`, timeoutMs: STORE_TIMEOUT_MS }),
        logger: false,
      });
      const runs = new Map<string, number>();
      const storeErrors: string[] = [];
      calls.onAny(async (event) => {
        const key = `${String(event.uid)}:${event.name}:${String(event.callState)}`;
        runs.set(key, (runs.get(key) ?? 0) + 1);
        await delay(2);
      });
      calls.onError((error) => {
        storeErrors.push(error.name);
      });
      const app = express();
      app.use('/hook', myOperatorWebhook({ auth: { headers: ['x-token: load-test-token'] }, calls }));
      const server = await listen(app);
      try {
        const send = (list: Delivery[]): Promise<Outcome[]> => sendAll(list, [server.port], 50, 10_000);
        const phases: Record<string, Outcome[]> = {};

        // Up: a first batch, de-duplicated by Redis.
        const up = deliveries(EVENTS_PER_PHASE, 'up');
        phases.up = await send(up.list);

        // Down: stopped while a batch is in flight, and a batch sent while it is down.
        const during = deliveries(EVENTS_PER_PHASE, 'stopping');
        const inFlight = send(during.list);
        await delay(50);
        await redis.stop();
        const down = deliveries(EVENTS_PER_PHASE, 'down');
        phases.stopping = await inFlight;
        phases.down = await send(down.list);

        // Back: restarted (empty) while a batch is in flight.
        const back = deliveries(EVENTS_PER_PHASE, 'back');
        const restarting = send(back.list);
        await delay(50);
        await redis.restart();
        phases.back = await restarting;

        const all = Object.values(phases).flat();
        expect([...new Set(all.map((outcome) => outcome.status))]).toEqual([200]);
        expect(all.filter((outcome) => outcome.error !== null)).toEqual([]);
        expect(all.filter((outcome) => outcome.ms > SETTLE_WITHIN_MS).map((outcome) => outcome.ms)).toEqual([]);
        // At-least-once: every event that was answered 2xx ran its handler.
        const acknowledged = new Set(all.filter((outcome) => outcome.status < 300).map((outcome) => outcome.key));
        expect([...acknowledged].filter((key) => (runs.get(key) ?? 0) < 1)).toEqual([]);
        // Exactly-once while Redis was up; the outage cost de-duplication (and was reported), nothing else.
        expect([...up.distinct].every((key) => runs.get(key) === 1)).toBe(true);
        expect([...down.distinct].every((key) => (runs.get(key) ?? 0) >= 1)).toBe(true);
        expect(storeErrors.length).toBeGreaterThan(0);
        expect(new Set(storeErrors)).toEqual(new Set(['StoreError']));

        // Once the client has reconnected, a fresh event delivered twice runs once again.
        const deadline = Date.now() + 10_000;
        while (client.status !== 'ready' && Date.now() < deadline) await delay(50);
        const fresh = deliveries(4, 'after-restart');
        const sequential: Outcome[] = [];
        for (const delivery of fresh.list) sequential.push(...(await send([delivery])));
        const seen = new Set<string>();
        const expected = fresh.list.map((delivery) => {
          const repeat = seen.has(delivery.key);
          seen.add(delivery.key);
          return [200, repeat];
        });
        expect(client.status).toBe('ready');
        expect(sequential.map((outcome) => [outcome.status, outcome.duplicate])).toEqual(expected);
        expect([...fresh.distinct].map((key) => runs.get(key))).toEqual([1, 1, 1, 1]);
      } finally {
        await server.close();
      }
    },
    timeoutMs(60_000, 10),
  );
});
